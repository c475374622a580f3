/** Plain data that crosses between the workflow, its activities and its callers. */

export type CallDirection = 'inbound' | 'outbound';

/** Twilio's call statuses, plus our own `dialing` before Twilio has answered the create. */
export type CallStatus =
  | 'queued'
  | 'dialing'
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled';

export const TERMINAL_STATUSES: ReadonlySet<CallStatus> = new Set([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
]);

/** Order in which statuses may follow one another; a status never moves back. */
export const STATUS_RANK: Readonly<Record<CallStatus, number>> = {
  queued: 0,
  dialing: 1,
  initiated: 2,
  ringing: 3,
  'in-progress': 4,
  completed: 5,
  busy: 5,
  'no-answer': 5,
  failed: 5,
  canceled: 5,
};

export type ToolDefinition =
  | { type: 'builtin'; name: 'end_call' | 'transfer_to_human' | 'schedule_callback' }
  | {
      type: 'webhook';
      name: string;
      description: string;
      parameters: Record<string, unknown>;
      url: string;
      timeout_ms?: number;
    };

export interface RubricCriterion {
  id: string;
  description: string;
}

export interface TurnDetection {
  silence_duration_ms: number;
  prefix_padding_ms: number;
  threshold: number;
}

/** When the agent hands the caller on, and to what. */
export interface EscalationRule {
  id: string;
  trigger: 'caller_asks_for_human' | 'phrase' | 'identity_failed' | 'tool_error_streak';
  phrase?: string;
  threshold?: number;
  action: 'transfer_to_human' | 'schedule_callback';
  target?: string;
}

/** Tools that may run only once the caller's identity is verified, and how it may be. */
export interface IdentityRequirements {
  protected_tools: string[];
  methods: Array<'caller_id' | 'dtmf_pin' | 'knowledge_question'>;
}

export interface BusinessOutcome {
  id: string;
  description: string;
}

/** What an agent version says about how the agent behaves on a call. */
export interface AgentVersionConfig {
  instructions: string;
  voice: string;
  model?: string;
  greeting?: string;
  tools: ToolDefinition[];
  turn_detection?: TurnDetection;
  escalation_rules?: EscalationRule[];
  identity_requirements?: IdentityRequirements;
  business_outcomes?: BusinessOutcome[];
  required_tools?: string[];
  evaluation_rubric?: RubricCriterion[];
  max_call_duration_sec?: number;
}

export interface CallWorkflowInput {
  callId: string;
  tenantId: string;
  direction: CallDirection;
  from: string;
  to: string;
  /** Explicit version, or an agent whose phone route's rollout picks one. */
  agentVersionId?: string;
  agentId?: string;
  /** The route whose rollout policy picks the version (inbound: the called number's). */
  phoneRouteId?: string;
  greeting?: string;
  callSid?: string;
  accountSid?: string;
}

export interface ResolvedAgentVersion {
  agentId: string;
  agentVersionId: string;
  reason: string;
  config: AgentVersionConfig;
}

/** What the bridge needs to open the model session for a call. */
export interface MediaSessionConfig {
  callId: string;
  tenantId: string;
  agentVersionId: string;
  instructions: string;
  voice: string;
  model?: string;
  greeting?: string;
  tools: Array<{ name: string; description: string; parameters: Record<string, unknown> }>;
  turnDetection: TurnDetection;
}

export interface TranscriptTurn {
  role: 'agent' | 'caller';
  text: string;
  interrupted: boolean;
  startedAt: string;
  endedAt?: string;
}

export interface ToolInvocation {
  toolCallId: string;
  name: string;
  arguments: string;
}

export interface ToolResult {
  /** What the model is given as the function_call_output. */
  output: string;
  status: 'succeeded' | 'failed' | 'refused';
  /** A built-in that asks the bridge to act once the agent has finished speaking. */
  action?: 'hang_up';
}

export interface TwilioStatusEvent {
  callSid: string;
  status: CallStatus;
  sequenceNumber?: number;
  durationSec?: number;
  answeredBy?: string;
  timestamp?: string;
}

export interface CallSummary {
  callId: string;
  status: CallStatus;
  durationSec: number | null;
  turns: number;
  toolRuns: number;
  evaluation: 'stored' | 'failed' | 'skipped';
}
