/**
 * The agent's last words on a call (a time-limit wrap-up, a no-input goodbye):
 * asked for once any open response is done, not interruptible by the caller,
 * followed by a hang-up once they have played. If the model never says them,
 * the call ends anyway after a bound.
 */

/** Longest wait from asking for the last words to hanging up regardless. */
const LAST_WORDS_TIMEOUT_MS = 30_000;

type State = 'idle' | 'waiting' | 'requested' | 'speaking' | 'spoken';

export class LastWords {
  reason: string | undefined;
  private words = '';
  private context = '';
  private state: State = 'idle';
  private timer: NodeJS.Timeout | undefined;

  /** From the first request on, the caller can no longer interrupt the agent. */
  get active(): boolean {
    return this.state !== 'idle';
  }

  /** False when last words are already under way. */
  begin(words: string, reason: string, context: string): boolean {
    if (this.active) return false;
    Object.assign(this, { words, reason, context, state: 'waiting' });
    return true;
  }

  /** The words to ask the model for, once; `onTimeout` ends the call if they never play out. */
  request(onTimeout: () => void): { words: string; context: string } | undefined {
    if (this.state !== 'waiting') return undefined;
    this.state = 'requested';
    this.timer = setTimeout(onTimeout, LAST_WORDS_TIMEOUT_MS);
    this.timer.unref();
    return { words: this.words, context: this.context };
  }

  responseStarted(): void {
    if (this.state === 'requested') this.state = 'speaking';
  }

  /** 'speak' when the response they waited for is over; 'spoken' when they were the response. */
  responseFinished(): 'speak' | 'spoken' | undefined {
    if (this.state === 'waiting') return 'speak';
    if (this.state !== 'speaking') return undefined;
    this.state = 'spoken';
    return 'spoken';
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
