/**
 * A hang-up waiting for the goodbye to be heard: it happens at the mark after
 * the last goodbye frame, or, if that mark never comes, after the unplayed
 * audio's length plus a margin (C08). An agent's goodbye can be cancelled by
 * the caller speaking over it; last words cannot.
 */

/** Extra wait past the unplayed goodbye audio before hanging up anyway. */
const HANG_UP_MARGIN_MS = 2_000;

export class PendingHangUp {
  private pending: { reason: string; cancellable: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly hangUp: (reason: string) => void) {}

  get reason(): string | undefined {
    return this.pending?.reason;
  }

  schedule(reason: string, cancellable: boolean, unplayedMs: number): void {
    this.pending = { reason, cancellable };
    this.rearm(unplayedMs);
  }

  /** Restarts the fallback timer from what is still unplayed (more audio may have been sent). */
  rearm(unplayedMs: number): void {
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.hangUp(pending.reason), unplayedMs + HANG_UP_MARGIN_MS);
    this.timer.unref();
  }

  /** The caller spoke over the goodbye: answers true when the hang-up was called off. */
  cancel(): boolean {
    if (!this.pending?.cancellable) return false;
    this.clear();
    return true;
  }

  clear(): void {
    this.pending = undefined;
    clearTimeout(this.timer);
  }
}
