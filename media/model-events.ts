/**
 * The OpenAI Realtime server events the bridge acts on, parsed through schemas.
 * Events outside this list are passed over, so a new event type from the API
 * never breaks a call; a response that says it spoke while no audio arrived
 * is caught from `response.done` instead (C10).
 */
import { z } from 'zod';

const audioFormat = z.object({ type: z.string() }).loose();

const responseOutputItem = z
  .object({
    type: z.string(),
    content: z.array(z.object({ type: z.string() }).loose()).optional(),
  })
  .loose();

export const modelEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.created') }),
  z.object({
    type: z.literal('session.updated'),
    session: z
      .object({
        audio: z
          .object({
            input: z.object({ format: audioFormat.optional() }).loose().optional(),
            output: z.object({ format: audioFormat.optional() }).loose().optional(),
          })
          .loose()
          .optional(),
      })
      .loose(),
  }),
  z.object({ type: z.literal('response.created'), response: z.object({ id: z.string() }).loose() }),
  z.object({
    type: z.literal('response.done'),
    response: z
      .object({
        id: z.string(),
        status: z.string().optional(),
        output: z.array(responseOutputItem).optional(),
      })
      .loose(),
  }),
  z.object({
    type: z.literal('response.output_audio.delta'),
    item_id: z.string(),
    delta: z.string(),
  }),
  z.object({ type: z.literal('response.output_audio.done'), item_id: z.string() }),
  z.object({
    type: z.literal('response.output_audio_transcript.delta'),
    item_id: z.string(),
    delta: z.string(),
  }),
  z.object({
    type: z.literal('response.output_audio_transcript.done'),
    item_id: z.string(),
    transcript: z.string(),
  }),
  z.object({
    type: z.literal('response.function_call_arguments.done'),
    call_id: z.string(),
    name: z.string(),
    arguments: z.string(),
  }),
  z.object({
    type: z.literal('input_audio_buffer.speech_started'),
    audio_start_ms: z.number().optional(),
    item_id: z.string().optional(),
  }),
  z.object({
    type: z.literal('input_audio_buffer.speech_stopped'),
    audio_end_ms: z.number().optional(),
    item_id: z.string().optional(),
  }),
  z.object({
    type: z.literal('conversation.item.input_audio_transcription.completed'),
    item_id: z.string(),
    transcript: z.string(),
  }),
  z.object({
    type: z.literal('error'),
    error: z
      .object({
        code: z.string().nullish(),
        message: z.string().optional(),
        type: z.string().optional(),
      })
      .loose(),
  }),
]);

export type ModelEvent = z.infer<typeof modelEventSchema>;
export type AudioDelta = { type: 'response.output_audio.delta'; item_id: string; delta: string };

/**
 * The beta API's names for the events the bridge needs. The GA API never sends
 * them; a model that does is relayed anyway (the caller hears it) and logged once.
 */
export const RETIRED_EVENT_NAMES: ReadonlyMap<string, ModelEvent['type']> = new Map([
  ['response.audio.delta', 'response.output_audio.delta'],
  ['response.audio.done', 'response.output_audio.done'],
  ['response.audio_transcript.delta', 'response.output_audio_transcript.delta'],
  ['response.audio_transcript.done', 'response.output_audio_transcript.done'],
]);

/** The error code (and close reason) of the real API for a client speaking the retired shape. */
export const RETIRED_SHAPE_CODE = 'beta_api_shape_disabled';
/** The close code the real API uses for it. */
export const RETIRED_SHAPE_CLOSE = 4000;

export const PCMU = 'audio/pcmu';

/**
 * Audio deltas are most of the traffic (ten or more a second while the agent
 * speaks), so they skip the schema: the same two string checks, done by hand.
 */
export function asAudioDelta(event: unknown): AudioDelta | undefined {
  const candidate = event as Partial<AudioDelta> | null;
  if (candidate?.type !== 'response.output_audio.delta') return undefined;
  return typeof candidate.item_id === 'string' && typeof candidate.delta === 'string'
    ? (candidate as AudioDelta)
    : undefined;
}

export function parseModelEvent(event: unknown): ModelEvent | undefined {
  const parsed = modelEventSchema.safeParse(event);
  return parsed.success ? parsed.data : undefined;
}

/** True when a finished response says it produced speech (an audio content part). */
export function responseHadAudio(
  response: Extract<ModelEvent, { type: 'response.done' }>['response'],
): boolean {
  return (response.output ?? []).some(
    (item) =>
      item.type === 'message' &&
      (item.content ?? []).some((part) => part.type === 'output_audio' || part.type === 'audio'),
  );
}

/** The audio formats a session reports that are not mu-law (static on the line), if any. */
export function nonPcmuFormats(event: Extract<ModelEvent, { type: 'session.updated' }>): string[] {
  const audio = event.session.audio;
  return [audio?.input?.format?.type, audio?.output?.format?.type].filter(
    (format): format is string => format !== undefined && format !== PCMU,
  );
}
