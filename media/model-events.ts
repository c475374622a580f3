/**
 * The OpenAI Realtime server events the bridge acts on, parsed through schemas.
 * Events outside this list are passed over (logged at debug), so a new event
 * type from the API never breaks a call (C10).
 */
import { z } from 'zod';

export const modelEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.created') }),
  z.object({ type: z.literal('session.updated') }),
  z.object({ type: z.literal('response.created'), response: z.object({ id: z.string() }).loose() }),
  z.object({
    type: z.literal('response.done'),
    response: z.object({ id: z.string(), status: z.string().optional() }).loose(),
  }),
  z.object({ type: z.literal('response.output_audio.delta'), item_id: z.string(), delta: z.string() }),
  z.object({ type: z.literal('response.output_audio.done'), item_id: z.string() }),
  z.object({ type: z.literal('response.output_audio_transcript.delta'), item_id: z.string(), delta: z.string() }),
  z.object({ type: z.literal('response.output_audio_transcript.done'), item_id: z.string(), transcript: z.string() }),
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
    error: z.object({ code: z.string().nullish(), message: z.string().optional(), type: z.string().optional() }).loose(),
  }),
]);

export type ModelEvent = z.infer<typeof modelEventSchema>;

/** Event names of earlier API shapes; seeing one means the model is configured wrong. */
export const RETIRED_AUDIO_EVENTS = new Set(['response.audio.delta', 'response.audio_transcript.delta']);

export function parseModelEvent(event: unknown): ModelEvent | undefined {
  const parsed = modelEventSchema.safeParse(event);
  return parsed.success ? parsed.data : undefined;
}
