/**
 * A scripted caller: speaks, presses keys or hangs up when a cue is met, so a
 * test can place each action exactly (after the agent's greeting, halfway
 * through the agent's answer for a barge-in, after a silence).
 */
import { FRAME_MS, MULAW_SILENCE, FRAME_BYTES, synthesizeTone } from '../audio.js';
import type { PartyStep, UtterancePlayedRecord } from './types.js';

/** What the script can see of the agent's playback. */
export interface ScriptPlaybackView {
  readonly playedBytes: number;
  idleForMs(nowStreamMs: number): number | null;
  speakingForMs(nowStreamMs: number): number | null;
}

export interface ScriptActions {
  pressDigits(digits: string): void;
  hangUp(): void;
}

/** A caller's voice: loud enough for voice detection, pitched apart from the agent's tone. */
const CALLER_TONE_HZ = 220;
const SILENT_FRAME = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);

export class ScriptedVoice {
  audioEndedAtStreamMs: number | null = null;
  private stepIndex = 0;
  private previousStepEndedAtMs = 0;
  /** Agent audio played when the previous step ended: a reply is audio played after it. */
  private playedBytesAtPreviousStep = 0;
  private speech: { audio: Buffer; offsetBytes: number } | null = null;
  private played: UtterancePlayedRecord[] = [];

  constructor(
    private readonly steps: PartyStep[],
    private readonly actions: ScriptActions,
  ) {}

  /** Stream time starts again; speech the old stream cut off is said again from its start. */
  continueOnNewStream(played: UtterancePlayedRecord[]): void {
    this.played = played;
    this.previousStepEndedAtMs = 0;
    this.playedBytesAtPreviousStep = 0;
    if (this.audioEndedAtStreamMs !== null) this.audioEndedAtStreamMs = 0;
    if (!this.speech) return;
    this.speech.offsetBytes = 0;
    this.played.push({ index: this.played.length, startedAtStreamMs: 0, endedAtStreamMs: null });
  }

  /** The frame whose 20 ms end at `nowStreamMs`. */
  nextFrame(nowStreamMs: number, playback: ScriptPlaybackView): Buffer {
    if (this.speech) return this.speakFrame(this.speech, nowStreamMs, playback);
    const step = this.steps[this.stepIndex];
    if (!step) {
      this.audioEndedAtStreamMs ??= nowStreamMs;
      return SILENT_FRAME;
    }
    if (!this.isDue(step, nowStreamMs, playback)) return SILENT_FRAME;

    this.stepIndex += 1;
    if (step.pressDigits) this.actions.pressDigits(step.pressDigits);
    if (step.hangUp) {
      this.actions.hangUp();
      return SILENT_FRAME;
    }
    if (!step.speakMs) {
      this.endStep(nowStreamMs, playback);
      return SILENT_FRAME;
    }
    this.played.push({
      index: this.played.length,
      startedAtStreamMs: nowStreamMs - FRAME_MS,
      endedAtStreamMs: null,
    });
    this.speech = { audio: synthesizeTone(step.speakMs, CALLER_TONE_HZ), offsetBytes: 0 };
    return this.speakFrame(this.speech, nowStreamMs, playback);
  }

  private isDue(step: PartyStep, nowStreamMs: number, playback: ScriptPlaybackView): boolean {
    const cue = step.when;
    if ('afterMs' in cue) return nowStreamMs - this.previousStepEndedAtMs >= cue.afterMs;
    if ('agentSpeakingForMs' in cue)
      return (playback.speakingForMs(nowStreamMs) ?? -1) >= cue.agentSpeakingForMs;
    const replied = playback.playedBytes > this.playedBytesAtPreviousStep;
    const idleMs = playback.idleForMs(nowStreamMs);
    return (
      replied &&
      idleMs !== null &&
      idleMs >= cue.agentSilentForMs &&
      playback.speakingForMs(nowStreamMs) === null
    );
  }

  private endStep(nowStreamMs: number, playback: ScriptPlaybackView): void {
    this.previousStepEndedAtMs = nowStreamMs;
    this.playedBytesAtPreviousStep = playback.playedBytes;
  }

  private speakFrame(
    speech: { audio: Buffer; offsetBytes: number },
    nowStreamMs: number,
    playback: ScriptPlaybackView,
  ): Buffer {
    const frame = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
    const end = Math.min(speech.offsetBytes + FRAME_BYTES, speech.audio.length);
    speech.audio.copy(frame, 0, speech.offsetBytes, end);
    speech.offsetBytes = end;
    if (end >= speech.audio.length) {
      this.speech = null;
      this.endStep(nowStreamMs, playback);
      const record = this.played.at(-1);
      if (record) record.endedAtStreamMs = nowStreamMs;
    }
    return frame;
  }
}
