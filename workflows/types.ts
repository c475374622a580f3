/** Plain data that crosses between the workflow, its activities and its callers. */
import type { CallContinuation, CallHistoryLimits } from './continuation-types.js';

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

export type BuiltinToolName =
  'end_call' | 'transfer_to_human' | 'schedule_callback' | 'send_digits';

export type ToolDefinition =
  | { type: 'builtin'; name: BuiltinToolName }
  | {
      type: 'webhook';
      name: string;
      description: string;
      /** JSON Schema of the arguments; the model's arguments are checked against it. */
      parameters: Record<string, unknown>;
      /** JSON Schema of the answer; an answer that does not match is a failed run. */
      output_schema?: Record<string, unknown>;
      url: string;
      /** Per attempt; default 8_000. */
      timeout_ms?: number;
      /** Attempts on timeouts, 5xx and 429; default 3. */
      max_attempts?: number;
    };

/** Silence from the caller: one prompt, then a polite end. */
export interface NoInputPolicy {
  /** Seconds of caller silence after the agent finished speaking; 0 turns the guard off. */
  timeout_sec: number;
  prompt?: string;
  goodbye?: string;
}

/** What an outbound call does when an answering machine picks up. */
export interface VoicemailPolicy {
  policy: 'leave_message' | 'hang_up';
  /** Said after the beep when the policy is leave_message. */
  message?: string;
}

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
  methods?: Array<'caller_id' | 'dtmf_pin' | 'knowledge_question'>;
  /** A tool whose successful answer carries `"verified": true`; it receives the keypad entry. */
  verification_tool: string;
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
  /** Said at max_call_duration_sec before the call ends. */
  wrap_up_message?: string;
  /** Said (by Twilio) when the model fails, before the call ends. */
  fallback_message?: string;
  /** Said by the agent when the call comes back after the bridge carrying it failed. */
  recovery_message?: string;
  no_input?: NoInputPolicy;
  voicemail?: VoicemailPolicy;
  identity?: IdentityRequirements;
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
  /** Present when a long call continues-as-new: the new run resumes in the conversation. */
  continuation?: CallContinuation;
  limits?: CallHistoryLimits;
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
  /** When the call reaches its time limit (ISO 8601): the agent wraps up then. */
  endsAt: string;
  wrapUpMessage: string;
  noInput: { timeoutMs: number; prompt: string; goodbye: string } | null;
  /** Keypad entries reach the model as a count only (they may be a PIN). */
  maskKeypadDigits: boolean;
  /**
   * Present when this stream replaces one that was lost (bridge failover): the model session is
   * seeded with the conversation so far and the agent says the recovery line, not the greeting.
   */
  resume?: ConversationResume;
}

export interface ConversationResume {
  /** Which stream of the call this is (2 for the first replacement). */
  stream: number;
  /** The latest turns the call holds, oldest first. */
  turns: Array<{ role: TranscriptTurn['role']; text: string }>;
  recoveryLine: string;
}

/** Digits the caller keyed in, ended by '#', a pause or the length limit. */
export interface KeypadEntry {
  digits: string;
  endedBy: 'hash' | 'pause' | 'length';
}

export interface TranscriptTurn {
  role: 'agent' | 'caller';
  text: string;
  interrupted: boolean;
  startedAt: string;
  endedAt?: string;
}

/** Turns the bridge delivers together; a retried delivery may repeat turns already received. */
export interface TurnBatch {
  /** The media stream the turns were spoken on; positions count per stream. */
  streamSid: string;
  /** 1-based position of turns[0] among the turns of that stream. */
  firstTurn: number;
  turns: TranscriptTurn[];
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
  /** A built-in that asks the bridge to act: hang up once the goodbye has played, or key digits. */
  action?: 'hang_up' | 'send_digits';
  /** The digits to key, for send_digits. */
  digits?: string;
}

/** A function call the workflow refused before any run (allow-list, identity). */
export interface ToolRefusal {
  toolCallId: string;
  name: string;
  arguments: string;
  reason: string;
}

/** Twilio's asynchronous answering machine detection result. */
export interface MachineDetectionEvent {
  callSid: string;
  answeredBy: string;
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
  outcome: string;
  endReason: string;
  evaluation: 'stored' | 'failed' | 'skipped';
}
