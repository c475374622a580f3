/**
 * A drift-corrected 20 ms clock: frame n is due at start + (n + 1) * 20 ms
 * (a frame is sent once its 20 ms have been captured), each timer is set for
 * the next due time, and frames that fell behind are sent at once, so the
 * average rate stays exact however late single timers fire.
 */
import { performance } from 'node:perf_hooks';
import { FRAME_MS } from '../audio.js';

export type FrameHandler = (frameIndex: number, nowStreamMs: number) => void;

export class FrameClock {
  private startedAtMs = 0;
  private nextFrameIndex = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  /** Milliseconds since start, on the monotonic clock. */
  elapsedMs(): number {
    return this.startedAtMs === 0 ? 0 : performance.now() - this.startedAtMs;
  }

  start(onFrame: FrameHandler): void {
    this.startedAtMs = performance.now();
    this.running = true;
    this.scheduleNext(onFrame);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private scheduleNext(onFrame: FrameHandler): void {
    const dueAtMs = this.startedAtMs + (this.nextFrameIndex + 1) * FRAME_MS;
    this.timer = setTimeout(() => this.fireDueFrames(onFrame), dueAtMs - performance.now());
  }

  private fireDueFrames(onFrame: FrameHandler): void {
    const nowStreamMs = this.elapsedMs();
    while (this.running && (this.nextFrameIndex + 1) * FRAME_MS <= nowStreamMs) {
      onFrame(this.nextFrameIndex, nowStreamMs);
      this.nextFrameIndex += 1;
    }
    if (this.running) this.scheduleNext(onFrame);
  }
}
