/**
 * What the bridge is told when it claims a call's media: the version's
 * instructions, voice and tools, and the guards it runs on the live call
 * (no-input prompt, the time limit's wrap-up, keypad masking).
 */
import type {
  ConversationResume,
  MediaSessionConfig,
  ResolvedAgentVersion,
  ToolDefinition,
} from './types.js';

const DEFAULT_TURN_DETECTION = { silence_duration_ms: 800, prefix_padding_ms: 300, threshold: 0.5 };
const DEFAULT_NO_INPUT_PROMPT = 'Are you still there?';
const DEFAULT_NO_INPUT_GOODBYE = "I haven't heard from you, so I'll end the call now. Goodbye!";
const DEFAULT_RECOVERY_LINE = "Sorry about that, the line dropped for a moment. I'm back with you.";
const DEFAULT_WRAP_UP =
  "We've reached the time limit for this call. Thank you for calling, goodbye!";

const BUILTIN_DESCRIPTIONS: Record<
  string,
  { description: string; parameters: Record<string, unknown> }
> = {
  end_call: {
    description: 'End the call after saying goodbye.',
    parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: [] },
  },
  transfer_to_human: {
    description: 'Transfer the caller to a human operator.',
    parameters: {
      type: 'object',
      properties: {
        reason: { type: 'string' },
        mode: {
          type: 'string',
          enum: ['warm', 'cold'],
          description: 'warm: the operator hears a summary first',
        },
        queue: { type: 'string', description: 'The operator queue, by name' },
      },
      required: [],
    },
  },
  schedule_callback: {
    description: 'Schedule a call back to the caller at a later time.',
    parameters: {
      type: 'object',
      properties: {
        when: { type: 'string', description: 'ISO 8601 time' },
        reason: { type: 'string' },
      },
      required: [],
    },
  },
  send_digits: {
    description: 'Press keypad digits on the call, for example to navigate a phone menu.',
    parameters: {
      type: 'object',
      properties: { digits: { type: 'string', pattern: '^[0-9*#A-D]{1,32}$' } },
      required: ['digits'],
    },
  },
};

function describeTool(tool: ToolDefinition): MediaSessionConfig['tools'][number] {
  if (tool.type === 'webhook') {
    return { name: tool.name, description: tool.description, parameters: tool.parameters };
  }
  const builtin = BUILTIN_DESCRIPTIONS[tool.name] ?? { description: tool.name, parameters: {} };
  return { name: tool.name, ...builtin };
}

export function mediaSessionConfig(
  ids: { callId: string; tenantId: string },
  version: ResolvedAgentVersion,
  options: {
    greeting?: string;
    endsAtMs: number;
    /** A stream that replaces a lost one: the call goes on where it was, without a greeting. */
    resume?: Omit<ConversationResume, 'recoveryLine'>;
  },
): MediaSessionConfig {
  const { config } = version;
  const noInput = config.no_input;
  const resume = options.resume
    ? { ...options.resume, recoveryLine: config.recovery_message ?? DEFAULT_RECOVERY_LINE }
    : undefined;
  return {
    callId: ids.callId,
    tenantId: ids.tenantId,
    agentVersionId: version.agentVersionId,
    instructions: config.instructions,
    voice: config.voice,
    model: config.model,
    greeting: resume ? undefined : (options.greeting ?? config.greeting),
    tools: config.tools.map(describeTool),
    turnDetection: config.turn_detection ?? DEFAULT_TURN_DETECTION,
    endsAt: new Date(options.endsAtMs).toISOString(),
    wrapUpMessage: config.wrap_up_message ?? DEFAULT_WRAP_UP,
    noInput:
      noInput && noInput.timeout_sec > 0
        ? {
            timeoutMs: noInput.timeout_sec * 1_000,
            prompt: noInput.prompt ?? DEFAULT_NO_INPUT_PROMPT,
            goodbye: noInput.goodbye ?? DEFAULT_NO_INPUT_GOODBYE,
          }
        : null,
    maskKeypadDigits: config.identity !== undefined,
    ...(resume ? { resume } : {}),
  };
}
