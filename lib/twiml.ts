/**
 * TwiML answers, built with the twilio library. The stream URL never carries a
 * query string: Twilio drops it, so call identity travels in <Parameter> (C06).
 */
import twilio from 'twilio';

export interface StreamTwimlOptions {
  streamUrl: string;
  callId: string;
  streamToken: string;
  /** Which stream of the call this is: 1 unless it replaces a lost one. */
  stream?: number;
  /**
   * Where Twilio goes when the stream ends while the call goes on (the bridge carrying it
   * died): the product hands the call a new stream there. Without it the call would end.
   */
  streamEndedUrl?: string;
}

export function connectStreamTwiml(options: StreamTwimlOptions): string {
  const response = new twilio.twiml.VoiceResponse();
  const connect = response.connect(
    options.streamEndedUrl ? { action: options.streamEndedUrl, method: 'POST' } : {},
  );
  const stream = connect.stream({ url: options.streamUrl.split('?')[0] ?? options.streamUrl });
  stream.parameter({ name: 'call_id', value: options.callId });
  stream.parameter({ name: 'stream_token', value: options.streamToken });
  if (options.stream !== undefined && options.stream > 1) {
    stream.parameter({ name: 'stream', value: String(options.stream) });
  }
  return response.toString();
}

/** The Twilio webhook a stream's end leads to; only our own id-safe values go in it (C02). */
export function streamEndedUrl(publicUrl: string, callId: string): string {
  return `${publicUrl}/api/v1/stream-ended?call_id=${encodeURIComponent(callId)}`;
}

/** A polite goodbye for calls we cannot take: unknown numbers, limits, outages. */
export function politeHangupTwiml(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}

/** How long a held line waits for the workflow's own last move (a REST update) before ending. */
const HOLD_SEC = 30;

/**
 * Keeps the line open, silent, while the call workflow makes its last move on the call (the
 * fallback message, a handoff): its REST update replaces this document. Ends the call if none
 * comes.
 */
export function holdTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.pause({ length: HOLD_SEC });
  response.hangup();
  return response.toString();
}

/** Ends the call without a word (a handoff whose conversation is over). */
export function hangupTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
}
