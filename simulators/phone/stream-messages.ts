/**
 * The Media Streams wire protocol. Messages from the bridge are parsed here;
 * messages to the bridge are built here, in the shapes Twilio sends.
 */
import { z } from 'zod';

const mediaMessageSchema = z.object({
  event: z.literal('media'),
  streamSid: z.string(),
  media: z.object({ payload: z.base64() }),
});
const markMessageSchema = z.object({
  event: z.literal('mark'),
  streamSid: z.string(),
  mark: z.object({ name: z.string().min(1) }),
});
const clearMessageSchema = z.object({ event: z.literal('clear'), streamSid: z.string() });

export const bridgeMessageSchema = z.discriminatedUnion('event', [
  mediaMessageSchema,
  markMessageSchema,
  clearMessageSchema,
]);
export type BridgeMessage = z.infer<typeof bridgeMessageSchema>;

export interface StreamIdentity {
  accountSid: string;
  callSid: string;
  streamSid: string;
}

export function buildConnectedMessage() {
  return { event: 'connected', protocol: 'Call', version: '1.0.0' };
}

export function buildStartMessage(
  identity: StreamIdentity,
  sequenceNumber: number,
  customParameters: Record<string, string>,
) {
  const { accountSid, callSid, streamSid } = identity;
  return {
    event: 'start',
    sequenceNumber: String(sequenceNumber),
    start: {
      accountSid,
      streamSid,
      callSid,
      tracks: ['inbound'],
      customParameters,
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8_000, channels: 1 },
    },
    streamSid,
  };
}

export function buildMediaMessage(
  streamSid: string,
  sequenceNumber: number,
  frameIndex: number,
  timestampMs: number,
  payload: Buffer,
) {
  return {
    event: 'media',
    sequenceNumber: String(sequenceNumber),
    media: {
      track: 'inbound',
      chunk: String(frameIndex + 1),
      timestamp: String(timestampMs),
      payload: payload.toString('base64'),
    },
    streamSid,
  };
}

export function buildMarkMessage(streamSid: string, sequenceNumber: number, name: string) {
  return { event: 'mark', sequenceNumber: String(sequenceNumber), streamSid, mark: { name } };
}

export function buildDtmfMessage(streamSid: string, sequenceNumber: number, digit: string) {
  return {
    event: 'dtmf',
    streamSid,
    sequenceNumber: String(sequenceNumber),
    dtmf: { track: 'inbound_track', digit },
  };
}

export function buildStopMessage(identity: StreamIdentity, sequenceNumber: number) {
  const { accountSid, callSid, streamSid } = identity;
  return {
    event: 'stop',
    sequenceNumber: String(sequenceNumber),
    streamSid,
    stop: { accountSid, callSid },
  };
}
