/**
 * Fixed one-minute windows counted in this process. Right for request rates
 * per client address and per tenant, where each API instance guarding its own
 * share is enough; call limits are counted in the database instead.
 */

export type WindowDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

interface WindowState {
  startedAtMs: number;
  count: number;
}

const WINDOW_MS = 60_000;
/** Above this many tracked keys, expired windows are swept before adding more. */
const SWEEP_ABOVE_KEYS = 10_000;

export class RequestWindow {
  private readonly windows = new Map<string, WindowState>();

  constructor(private readonly windowMs = WINDOW_MS) {}

  /** Counts one request for `key`; refuses it when `limit` are already in this window. */
  take(key: string, limit: number, nowMs = Date.now()): WindowDecision {
    let state = this.windows.get(key);
    if (!state || nowMs - state.startedAtMs >= this.windowMs) {
      if (!state && this.windows.size >= SWEEP_ABOVE_KEYS) this.sweep(nowMs);
      state = { startedAtMs: nowMs, count: 0 };
      this.windows.set(key, state);
    }
    if (state.count >= limit) {
      const remainingMs = state.startedAtMs + this.windowMs - nowMs;
      return { allowed: false, retryAfterSec: Math.max(1, Math.ceil(remainingMs / 1_000)) };
    }
    state.count += 1;
    return { allowed: true };
  }

  get trackedKeys(): number {
    return this.windows.size;
  }

  private sweep(nowMs: number): void {
    for (const [key, state] of this.windows) {
      if (nowMs - state.startedAtMs >= this.windowMs) this.windows.delete(key);
    }
  }
}
