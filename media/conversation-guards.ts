/**
 * The guards of a live call: caller silence (one prompt, then a polite end)
 * and the call's time limit (a wrap-up). They only watch and decide; the call
 * session says what the caller hears.
 */
import type { MediaSessionConfig } from '../workflows/types.js';

/** What the guards need from the call they watch. */
export interface GuardedCall {
  /** True while the agent is done and the caller has the floor (nothing playing or pending). */
  isWaitingForCaller(): boolean;
  promptCaller(words: string): void;
  endSilentCall(goodbye: string): void;
  reachTimeLimit(wrapUp: string): void;
}

export class ConversationGuards {
  private noInputTimer: NodeJS.Timeout | undefined;
  private timeLimitTimer: NodeJS.Timeout | undefined;
  private prompted = false;

  constructor(
    private readonly config: MediaSessionConfig,
    private readonly call: GuardedCall,
  ) {}

  start(): void {
    const remainingMs = Math.max(0, Date.parse(this.config.endsAt) - Date.now());
    this.timeLimitTimer = setTimeout(
      () => this.call.reachTimeLimit(this.config.wrapUpMessage),
      remainingMs,
    );
    this.timeLimitTimer.unref();
    this.review();
  }

  /** The caller spoke or keyed: the next silence earns a prompt again. */
  callerActive(): void {
    this.prompted = false;
  }

  /** Called after anything that may change who has the floor. */
  review(): void {
    const policy = this.config.noInput;
    if (!policy) return;
    if (!this.call.isWaitingForCaller()) {
      clearTimeout(this.noInputTimer);
      this.noInputTimer = undefined;
      return;
    }
    if (this.noInputTimer) return;
    this.noInputTimer = setTimeout(() => {
      this.noInputTimer = undefined;
      if (this.prompted) return this.call.endSilentCall(policy.goodbye);
      this.prompted = true;
      this.call.promptCaller(policy.prompt);
    }, policy.timeoutMs);
    this.noInputTimer.unref();
  }

  /** True while a no-input countdown runs (so per-frame code can skip `review`). */
  get counting(): boolean {
    return this.noInputTimer !== undefined;
  }

  stop(): void {
    clearTimeout(this.noInputTimer);
    clearTimeout(this.timeLimitTimer);
    this.noInputTimer = undefined;
  }
}
