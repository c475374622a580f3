/**
 * Server voice-activity detection on the timeline of appended audio. It works
 * on 20 ms mu-law frames and never looks at the wall clock, so audio appended
 * faster than real time is segmented exactly as real-time audio would be.
 */
import { FRAME_BYTES, FRAME_MS, mulawRms } from '../audio.js';

/** RMS on the 16-bit scale above which a frame is speech (the fixture's noise floor is ~32). */
export const SPEECH_RMS_THRESHOLD = 300;
const BYTES_PER_MS = FRAME_BYTES / FRAME_MS;

export interface VadSettings {
  prefixPaddingMs: number;
  silenceDurationMs: number;
}

export type VadEvent =
  { kind: 'speech-started'; audioStartMs: number } | { kind: 'speech-stopped'; audioEndMs: number };

export class VoiceActivityDetector {
  private pending: Buffer = Buffer.alloc(0);
  private timelineMs = 0;
  private speaking = false;
  private lastSpeechEndMs = 0;
  /** Speech may not start before audio already committed to an earlier item. */
  private committedMs = 0;

  /** Milliseconds of audio appended so far, including a partial frame. */
  get audioMs(): number {
    return this.timelineMs + this.pending.length / BYTES_PER_MS;
  }

  /** End of the audio already committed (or cleared) on the timeline. */
  get committedUntilMs(): number {
    return this.committedMs;
  }

  get isSpeaking(): boolean {
    return this.speaking;
  }

  feed(audio: Buffer, settings: VadSettings): VadEvent[] {
    const events: VadEvent[] = [];
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, audio]) : audio;
    while (buffer.length >= FRAME_BYTES) {
      const event = this.processFrame(buffer.subarray(0, FRAME_BYTES), settings);
      if (event) events.push(event);
      buffer = buffer.subarray(FRAME_BYTES);
    }
    this.pending = Buffer.from(buffer);
    return events;
  }

  /** Counts audio on the timeline without detecting speech (turn detection off). */
  skip(audio: Buffer): void {
    const total = this.pending.length + audio.length;
    this.timelineMs += Math.floor(total / FRAME_BYTES) * FRAME_MS;
    this.pending = Buffer.alloc(total % FRAME_BYTES);
  }

  /** Ends any speech in progress, as a manual commit or a buffer clear does. */
  reset(): void {
    this.speaking = false;
    this.committedMs = this.audioMs;
  }

  private processFrame(frame: Buffer, settings: VadSettings): VadEvent | undefined {
    const frameStartMs = this.timelineMs;
    this.timelineMs += FRAME_MS;
    const isSpeech = mulawRms(frame) > SPEECH_RMS_THRESHOLD;

    if (isSpeech) {
      this.lastSpeechEndMs = this.timelineMs;
      if (this.speaking) return undefined;
      this.speaking = true;
      const audioStartMs = Math.max(this.committedMs, frameStartMs - settings.prefixPaddingMs);
      return { kind: 'speech-started', audioStartMs };
    }

    if (!this.speaking) return undefined;
    if (this.timelineMs - this.lastSpeechEndMs < settings.silenceDurationMs) return undefined;
    this.speaking = false;
    this.committedMs = this.timelineMs;
    return { kind: 'speech-stopped', audioEndMs: this.timelineMs };
  }
}
