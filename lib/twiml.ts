/**
 * TwiML answers, built with the twilio library. The stream URL never carries a
 * query string: Twilio drops it, so call identity travels in <Parameter> (C06).
 */
import twilio from 'twilio';

export interface StreamTwimlOptions {
  streamUrl: string;
  callId: string;
  streamToken: string;
}

export function connectStreamTwiml(options: StreamTwimlOptions): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response
    .connect()
    .stream({ url: options.streamUrl.split('?')[0] ?? options.streamUrl });
  stream.parameter({ name: 'call_id', value: options.callId });
  stream.parameter({ name: 'stream_token', value: options.streamToken });
  return response.toString();
}

/** A polite goodbye for calls we cannot take: unknown numbers, limits, outages. */
export function politeHangupTwiml(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}

/** Ends the call without a word (a handoff whose conversation is over). */
export function hangupTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
}
