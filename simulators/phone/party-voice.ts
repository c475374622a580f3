/**
 * What the remote party says, one 20 ms frame at a time. 'continuous' plays
 * the recording straight through; 'polite' speaks one utterance at a time and
 * waits for the agent's turn to end before the next, as a person would.
 */
import { FRAME_BYTES, FRAME_MS, MULAW_SILENCE } from '../audio.js';
import type { PartyBehaviour, UtterancePlayedRecord } from './types.js';
import { splitUtterances, type Utterance } from './utterances.js';

/** With no agent greeting by then, the party speaks first. */
export const FIRST_TURN_TIMEOUT_MS = 4_000;
/** The agent's turn is over once its playback has been empty this long. */
export const AGENT_TURN_END_SILENCE_MS = 600;
/** A person leaves room for a reply after each utterance (longer than the VAD's end-of-turn wait). */
export const DEFAULT_TURN_GAP_MS = 1_800;

export interface PlaybackView {
  readonly queuedBytes: number;
  readonly playedBytes: number;
  idleForMs(nowStreamMs: number): number | null;
}

/** How long a party that asked something waits for the answer, at most. */
export const DEFAULT_REPLY_WAIT_MS = 15_000;

type PoliteState =
  | {
      phase: 'waiting';
      nextIndex: number;
      lastEndedAtStreamMs: number | null;
      /** Agent audio played when the last utterance ended: an answer is audio played after it. */
      playedBytesAtLastEnd: number;
    }
  | { phase: 'speaking'; index: number; offsetBytes: number }
  | { phase: 'done' };

const SILENT_FRAME = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);

export class PartyVoice {
  /** When the party's audio ended (stream time), null while it still has something to say. */
  audioEndedAtStreamMs: number | null = null;

  private readonly audio: Buffer;
  private readonly utterances: Utterance[];
  private readonly isPolite: boolean;
  private readonly turnGapMs: number;
  private state: PoliteState = {
    phase: 'waiting',
    nextIndex: 0,
    lastEndedAtStreamMs: null,
    playedBytesAtLastEnd: 0,
  };
  private readonly waitsForReplyAfter: ReadonlySet<number>;
  private readonly replyWaitMs: number;
  private startDelayMs: number;
  private played: UtterancePlayedRecord[] = [];
  private streams = 0;

  constructor(party: PartyBehaviour) {
    this.audio = party.audio ?? Buffer.alloc(0);
    this.startDelayMs = party.startDelayMs ?? 0;
    this.turnGapMs = party.turnGapMs ?? DEFAULT_TURN_GAP_MS;
    this.waitsForReplyAfter = new Set(party.waitForReplyAfter ?? []);
    this.replyWaitMs = party.replyWaitMs ?? DEFAULT_REPLY_WAIT_MS;
    // An answering machine plays its greeting regardless of the agent.
    this.isPolite = (party.speech ?? 'polite') === 'polite' && party.answer !== 'machine';
    const whole = { startByte: 0, endByte: this.audio.length, startMs: 0, endMs: 0 };
    this.utterances = this.isPolite ? splitUtterances(this.audio) : [whole];
    if (this.audio.length === 0 || this.utterances.length === 0) this.state = { phase: 'done' };
  }

  continueOnNewStream(played: UtterancePlayedRecord[]): void {
    this.played = played;
    this.streams += 1;
    if (this.streams === 1) return;

    // The delay is before the party's first words, not before each stream's.
    this.startDelayMs = 0;
    if (this.state.phase === 'speaking') {
      // Cut off mid-sentence: said again once the agent has had its say on the new stream.
      this.state = {
        phase: 'waiting',
        nextIndex: this.state.index,
        lastEndedAtStreamMs: null,
        playedBytesAtLastEnd: 0,
      };
    } else if (this.state.phase === 'waiting') {
      this.state = { ...this.state, lastEndedAtStreamMs: null, playedBytesAtLastEnd: 0 };
    } else {
      this.audioEndedAtStreamMs = 0;
    }
  }

  /** The frame whose 20 ms end at `nowStreamMs`. */
  nextFrame(nowStreamMs: number, playback: PlaybackView): Buffer {
    if (this.state.phase === 'done') {
      this.audioEndedAtStreamMs ??= Math.max(nowStreamMs, this.startDelayMs);
      return SILENT_FRAME;
    }
    if (this.state.phase === 'waiting') {
      if (!this.isReadyToSpeak(this.state, nowStreamMs, playback)) return SILENT_FRAME;
      this.state = { phase: 'speaking', index: this.state.nextIndex, offsetBytes: 0 };
      this.played.push({
        index: this.state.index,
        startedAtStreamMs: nowStreamMs - FRAME_MS,
        endedAtStreamMs: null,
      });
    }
    return this.speakFrame(this.state, nowStreamMs, playback);
  }

  private isReadyToSpeak(
    state: Extract<PoliteState, { phase: 'waiting' }>,
    nowStreamMs: number,
    playback: PlaybackView,
  ): boolean {
    const frameStartMs = nowStreamMs - FRAME_MS;
    if (frameStartMs < this.startDelayMs) return false;
    if (!this.isPolite) return true;

    const idleMs = playback.idleForMs(nowStreamMs);
    const agentTurnOver = idleMs !== null && idleMs >= AGENT_TURN_END_SILENCE_MS;
    if (state.lastEndedAtStreamMs === null) {
      const agentSilent = playback.queuedBytes === 0 && playback.playedBytes === 0;
      return agentTurnOver || (agentSilent && frameStartMs >= FIRST_TURN_TIMEOUT_MS);
    }

    const previous = this.utterances[state.nextIndex - 1];
    const next = this.utterances[state.nextIndex];
    const recordedPauseMs = previous && next ? next.startMs - previous.endMs : 0;
    const sinceLastMs = frameStartMs - state.lastEndedAtStreamMs;
    if (sinceLastMs < Math.max(recordedPauseMs, this.turnGapMs)) return false;
    // A caller who asked something waits for the answer (for a while) before going on.
    const answered = playback.playedBytes > state.playedBytesAtLastEnd;
    const awaitsAnswer = this.waitsForReplyAfter.has(state.nextIndex - 1);
    if (awaitsAnswer && !answered && sinceLastMs < this.replyWaitMs) return false;
    return idleMs === null || agentTurnOver;
  }

  private speakFrame(
    state: Extract<PoliteState, { phase: 'speaking' }>,
    nowStreamMs: number,
    playback: PlaybackView,
  ) {
    const utterance = this.utterances[state.index];
    if (!utterance) return SILENT_FRAME;
    const start = utterance.startByte + state.offsetBytes;
    const end = Math.min(start + FRAME_BYTES, utterance.endByte);
    const frame = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
    this.audio.copy(frame, 0, start, end);
    state.offsetBytes += end - start;

    if (utterance.startByte + state.offsetBytes >= utterance.endByte) {
      this.finishUtterance(state.index, nowStreamMs, playback.playedBytes);
    }
    return frame;
  }

  private finishUtterance(index: number, nowStreamMs: number, playedBytes: number): void {
    const record = this.played.at(-1);
    if (record) record.endedAtStreamMs = nowStreamMs;
    if (index + 1 < this.utterances.length) {
      this.state = {
        phase: 'waiting',
        nextIndex: index + 1,
        lastEndedAtStreamMs: nowStreamMs,
        playedBytesAtLastEnd: playedBytes,
      };
      return;
    }
    this.state = { phase: 'done' };
    this.audioEndedAtStreamMs = nowStreamMs;
  }
}
