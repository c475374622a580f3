/** Twilio Media Streams messages, parsed through schemas before any use. */
import { z } from 'zod';

const sequence = z.string().optional();

/** A 20 ms frame is 216 base64 characters; this leaves room for larger frames, not for abuse. */
const MAX_MEDIA_PAYLOAD_CHARS = 16_384;

export const twilioMessageSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('connected'),
    protocol: z.string().optional(),
    version: z.string().optional(),
  }),
  z.object({
    event: z.literal('start'),
    sequenceNumber: sequence,
    streamSid: z.string().min(1),
    start: z.object({
      streamSid: z.string().min(1),
      callSid: z.string().min(1),
      accountSid: z.string().optional(),
      customParameters: z.record(z.string(), z.string()).default({}),
    }),
  }),
  z.object({
    event: z.literal('media'),
    sequenceNumber: sequence,
    streamSid: z.string().optional(),
    media: z.object({
      track: z.string().optional(),
      chunk: z.string().optional(),
      timestamp: z.string().optional(),
      payload: z.string().max(MAX_MEDIA_PAYLOAD_CHARS),
    }),
  }),
  z.object({
    event: z.literal('mark'),
    sequenceNumber: sequence,
    streamSid: z.string().optional(),
    mark: z.object({ name: z.string() }),
  }),
  z.object({
    event: z.literal('dtmf'),
    sequenceNumber: sequence,
    streamSid: z.string().optional(),
    dtmf: z.object({ track: z.string().optional(), digit: z.string().regex(/^[0-9*#A-D]$/) }),
  }),
  z.object({
    event: z.literal('stop'),
    sequenceNumber: sequence,
    streamSid: z.string().optional(),
  }),
]);

export type TwilioMessage = z.infer<typeof twilioMessageSchema>;
export type TwilioMediaMessage = Extract<TwilioMessage, { event: 'media' }>;

export function parseTwilioMessage(raw: string): TwilioMessage | undefined {
  return parseTwilioFrame(raw).message;
}

/** A frame parsed, or what it claimed to be when it does not parse (`event`, when it had one). */
export interface ParsedFrame {
  message?: TwilioMessage;
  event?: string;
}

export function parseTwilioFrame(raw: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {};
  }
  const media = asMediaMessage(json);
  if (media) return { message: media };
  const parsed = twilioMessageSchema.safeParse(json);
  if (parsed.success) return { message: parsed.data };
  const event = (json as { event?: unknown } | null)?.event;
  return typeof event === 'string' ? { event: event.slice(0, 64) } : {};
}

/**
 * Media frames are 50 a second per call, so they skip the schema: the checks
 * the media schema makes that matter (a string payload of sane length), by hand.
 */
function asMediaMessage(json: unknown): TwilioMediaMessage | undefined {
  const candidate = json as { event?: unknown; media?: { payload?: unknown } } | null;
  if (candidate?.event !== 'media') return undefined;
  const payload = candidate.media?.payload;
  if (typeof payload !== 'string' || payload.length > MAX_MEDIA_PAYLOAD_CHARS) return undefined;
  return candidate as TwilioMediaMessage;
}
