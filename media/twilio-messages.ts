/** Twilio Media Streams messages, parsed through schemas before any use. */
import { z } from 'zod';

const sequence = z.string().optional();

export const twilioMessageSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('connected'), protocol: z.string().optional(), version: z.string().optional() }),
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
      payload: z.string(),
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
  z.object({ event: z.literal('stop'), sequenceNumber: sequence, streamSid: z.string().optional() }),
]);

export type TwilioMessage = z.infer<typeof twilioMessageSchema>;

export function parseTwilioMessage(raw: string): TwilioMessage | undefined {
  try {
    const parsed = twilioMessageSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
