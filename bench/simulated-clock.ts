/** Simulated time for the bridge's delivery queue in the history benchmark. */
import type { DeliveryClock } from '../media/workflow-deliveries.js';

/** A clock the benchmark moves; the queue's timers fire as it passes them. */
export class SimulatedClock implements DeliveryClock {
  private nowMs = Date.UTC(2024, 11, 1, 10, 0, 0);
  private readonly startMs = this.nowMs;
  private timers: Array<{ atMs: number; callback: () => void; done: boolean }> = [];
  onTimerFired: () => Promise<void> = async () => undefined;

  now = () => this.nowMs;

  after = (delayMs: number, callback: () => void) => {
    const timer = { atMs: this.nowMs + delayMs, callback, done: false };
    this.timers.push(timer);
    return () => {
      timer.done = true;
    };
  };

  /** To `offsetMs` after the call's start, firing every timer due on the way. */
  async advanceTo(offsetMs: number): Promise<void> {
    const untilMs = this.startMs + offsetMs;
    for (;;) {
      const due = this.timers
        .filter((timer) => !timer.done && timer.atMs <= untilMs)
        .sort((a, b) => a.atMs - b.atMs)[0];
      if (!due) break;
      this.nowMs = Math.max(this.nowMs, due.atMs);
      due.done = true;
      due.callback();
      await this.onTimerFired();
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }
}
