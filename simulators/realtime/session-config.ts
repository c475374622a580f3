/**
 * The GA realtime session object: its schema, the defaults the real API
 * reports in `session.created`, and how a `session.update` merges into it.
 * The schema is strict, as the real API is: an unknown parameter is an error,
 * which catches a client still sending beta-era field names.
 */
import { z } from 'zod';

import { createId } from './ids.js';

/** The only audio format the simulator speaks (Twilio's wire format). */
export const SUPPORTED_AUDIO_FORMAT = 'audio/pcmu';
const SESSION_LIFETIME_SECONDS = 3_600;
const DEFAULT_INSTRUCTIONS = 'You are a helpful, witty, and friendly AI.';

const audioFormatSchema = z.strictObject({
  type: z.enum(['audio/pcm', 'audio/pcmu', 'audio/pcma']),
  rate: z.number().optional(),
});

const turnDetectionSchema = z.strictObject({
  type: z.enum(['server_vad', 'semantic_vad']),
  threshold: z.number().min(0).max(1).optional(),
  prefix_padding_ms: z.number().int().min(0).optional(),
  silence_duration_ms: z.number().int().min(0).optional(),
  idle_timeout_ms: z.number().int().nullable().optional(),
  create_response: z.boolean().optional(),
  interrupt_response: z.boolean().optional(),
  eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
});

const transcriptionSchema = z.strictObject({
  model: z.string().optional(),
  language: z.string().optional(),
  prompt: z.string().optional(),
});

const voiceSchema = z.union([z.string(), z.strictObject({ id: z.string() })]);

const functionToolSchema = z.strictObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().optional(),
  parameters: z.unknown().optional(),
});

export const sessionSchema = z.strictObject({
  type: z.literal('realtime'),
  object: z.literal('realtime.session').optional(),
  id: z.string().optional(),
  model: z.string().optional(),
  expires_at: z.number().optional(),
  instructions: z.string().optional(),
  output_modalities: z.array(z.enum(['text', 'audio'])).optional(),
  audio: z
    .strictObject({
      input: z
        .strictObject({
          format: audioFormatSchema.optional(),
          transcription: transcriptionSchema.nullable().optional(),
          turn_detection: turnDetectionSchema.nullable().optional(),
          noise_reduction: z.strictObject({ type: z.string().optional() }).nullable().optional(),
        })
        .optional(),
      output: z
        .strictObject({
          format: audioFormatSchema.optional(),
          voice: voiceSchema.optional(),
          speed: z.number().min(0.25).max(1.5).optional(),
        })
        .optional(),
    })
    .optional(),
  tools: z
    .array(z.union([functionToolSchema, z.looseObject({ type: z.literal('mcp') })]))
    .optional(),
  tool_choice: z.union([z.string(), z.looseObject({ type: z.string() })]).optional(),
  max_output_tokens: z.union([z.number().int(), z.literal('inf')]).optional(),
  parallel_tool_calls: z.boolean().optional(),
  include: z.array(z.string()).nullable().optional(),
  prompt: z.unknown().optional(),
  reasoning: z.unknown().optional(),
  tracing: z.unknown().optional(),
  truncation: z.unknown().optional(),
});

export type SessionConfig = z.infer<typeof sessionSchema>;

/** The real API's documented server VAD defaults. */
const SERVER_VAD_DEFAULTS = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
  idle_timeout_ms: null,
  create_response: true,
  interrupt_response: true,
} as const;

export function createDefaultSession(model: string | null): SessionConfig {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: createId('sess'),
    model: model ?? 'gpt-realtime',
    expires_at: Math.floor(Date.now() / 1_000) + SESSION_LIFETIME_SECONDS,
    instructions: DEFAULT_INSTRUCTIONS,
    output_modalities: ['audio'],
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24_000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: { ...SERVER_VAD_DEFAULTS },
      },
      output: { format: { type: 'audio/pcm', rate: 24_000 }, voice: 'alloy', speed: 1 },
    },
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    include: null,
    prompt: null,
    tracing: null,
    truncation: 'auto',
  };
}

/** Why an update is refused; codes follow the real API where it has one. */
export interface SessionUpdateRefusal {
  code: string;
  message: string;
  param: string;
}

/** Checks an update against the simulator's and the real API's rules before merging. */
export function findUpdateRefusal(
  patch: SessionConfig,
  hasProducedAudio: boolean,
): SessionUpdateRefusal | undefined {
  for (const direction of ['input', 'output'] as const) {
    const format = patch.audio?.[direction]?.format;
    if (format && format.type !== SUPPORTED_AUDIO_FORMAT) {
      return {
        code: 'unsupported_audio_format',
        message: `The simulator supports only ${SUPPORTED_AUDIO_FORMAT}; got ${format.type}.`,
        param: `session.audio.${direction}.format.type`,
      };
    }
  }

  // Like the real API, any voice in a later update is refused, even the current one.
  if (hasProducedAudio && patch.audio?.output?.voice !== undefined) {
    return {
      code: 'cannot_update_voice',
      message: "Cannot update a conversation's voice if assistant audio is present.",
      param: 'session.audio.output.voice',
    };
  }
  return undefined;
}

/**
 * Objects merge key by key; arrays, scalars, `null` and tagged objects (an
 * audio format, a turn detection) replace, as in the real API. A replaced
 * server VAD gets the documented defaults for the fields it leaves out.
 */
export function mergeSession(current: SessionConfig, patch: SessionConfig): SessionConfig {
  const merged = sessionSchema.parse(mergeDeep(current, patch, true));
  const detection = merged.audio?.input?.turn_detection;
  if (detection?.type !== 'server_vad' || !merged.audio?.input) return merged;
  const input = { ...merged.audio.input, turn_detection: { ...SERVER_VAD_DEFAULTS, ...detection } };
  return { ...merged, audio: { ...merged.audio, input } };
}

function mergeDeep(base: unknown, patch: unknown, isRoot = false): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  if (!isRoot && 'type' in patch) return patch;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    merged[key] = mergeDeep(base[key], value);
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The session's turn detection, with the real API's defaults filled in. */
export function readTurnDetection(session: SessionConfig) {
  const detection = session.audio?.input?.turn_detection;
  if (!detection) return undefined;
  return {
    prefixPaddingMs: detection.prefix_padding_ms ?? SERVER_VAD_DEFAULTS.prefix_padding_ms,
    silenceDurationMs: detection.silence_duration_ms ?? SERVER_VAD_DEFAULTS.silence_duration_ms,
    createResponse: detection.create_response ?? true,
    interruptResponse: detection.interrupt_response ?? true,
  };
}

export function isTranscriptionEnabled(session: SessionConfig): boolean {
  return Boolean(session.audio?.input?.transcription);
}

export function usesSupportedFormats(session: SessionConfig): boolean {
  return (
    session.audio?.input?.format?.type === SUPPORTED_AUDIO_FORMAT &&
    session.audio?.output?.format?.type === SUPPORTED_AUDIO_FORMAT
  );
}
