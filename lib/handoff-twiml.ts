/**
 * TwiML for handing a live call to a person: a cold `<Dial>` to the operator,
 * hold music, the operator's whisper (a summary before joining), and the
 * conference room both legs meet in for a warm transfer.
 */
import twilio from 'twilio';

/** Twilio's own hold music, so there is nothing to host. */
export const HOLD_MUSIC_URL =
  'http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3';
export const CONNECTING_MESSAGE = 'Connecting you to a member of our team now.';
export const HOLD_MESSAGE = 'Please hold while I find someone to help you.';
export { HANDOFF_FAILED_MESSAGE } from '../workflows/handoff-types.js';

export function handoffRoom(callId: string): string {
  return `handoff-${callId}`;
}

export function handoffStatusUrl(publicUrl: string, callId: string): string {
  return `${publicUrl}/api/v1/handoff-status?call_id=${encodeURIComponent(callId)}`;
}

export function coldTransferTwiml(options: {
  operatorNumber: string;
  actionUrl: string;
  timeoutSec: number;
}): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(CONNECTING_MESSAGE);
  response
    .dial({ action: options.actionUrl, method: 'POST', timeout: options.timeoutSec })
    .number(options.operatorNumber);
  return response.toString();
}

export function holdTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(HOLD_MESSAGE);
  response.play({ loop: 0 }, HOLD_MUSIC_URL);
  return response.toString();
}

/** The operator's leg: the summary first, then the room where the caller waits. */
export function operatorWhisperTwiml(options: { summary: string; room: string }): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(options.summary);
  response.dial().conference({ endConferenceOnExit: true }, options.room);
  return response.toString();
}

export function joinRoomTwiml(options: { room: string; actionUrl: string }): string {
  const response = new twilio.twiml.VoiceResponse();
  response
    .dial({ action: options.actionUrl, method: 'POST' })
    .conference({ endConferenceOnExit: true }, options.room);
  return response.toString();
}
