/**
 * The remote party's voice for a whole call. Twilio may connect a call to
 * several streams one after another (a bridge failed and the call was handed
 * a new one); the person on the line goes on where they were, so the voice
 * outlives each stream: a new stream restarts stream time at zero, and an
 * utterance the old stream cut off is said again from its start.
 */
import { PartyVoice, type PlaybackView } from './party-voice.js';
import { ScriptedVoice, type ScriptActions, type ScriptPlaybackView } from './scripted-voice.js';
import type { PartyBehaviour, UtterancePlayedRecord } from './types.js';

export interface CallVoice {
  /** When the party's audio ended (stream time of the current stream), null while it speaks. */
  readonly audioEndedAtStreamMs: number | null;
  /** The frame whose 20 ms end at `nowStreamMs`. */
  nextFrame(nowStreamMs: number, playback: PlaybackView & ScriptPlaybackView): Buffer;
  /** A new stream of the call begins; what the party says from now on is recorded in `played`. */
  continueOnNewStream(played: UtterancePlayedRecord[]): void;
}

export function createCallVoice(party: PartyBehaviour, actions: ScriptActions): CallVoice {
  return party.script ? new ScriptedVoice(party.script, actions) : new PartyVoice(party);
}
