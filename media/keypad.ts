/**
 * Gathers the caller's key presses into entries, as an IVR does: an entry ends
 * with '#', after a pause, or at the length limit. Only whole entries go on to
 * the model and the workflow, never single key presses.
 */
import type { KeypadEntry } from '../workflows/types.js';

/** A pause this long after the last key ends the entry. */
export const KEYPAD_PAUSE_MS = 2_000;
export const KEYPAD_MAX_DIGITS = 32;

export class KeypadCollector {
  private digits = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onEntry: (entry: KeypadEntry) => void,
    private readonly pauseMs = KEYPAD_PAUSE_MS,
  ) {}

  press(digit: string): void {
    clearTimeout(this.timer);
    if (digit === '#') return this.finish('hash');
    this.digits += digit;
    if (this.digits.length >= KEYPAD_MAX_DIGITS) return this.finish('length');
    this.timer = setTimeout(() => this.finish('pause'), this.pauseMs);
    this.timer.unref();
  }

  /** Ends a half-typed entry (the call is ending) without waiting for the pause. */
  flush(): void {
    clearTimeout(this.timer);
    if (this.digits) this.finish('pause');
  }

  private finish(endedBy: KeypadEntry['endedBy']): void {
    const digits = this.digits;
    this.digits = '';
    // A lone '#' is still an entry: menus use it to confirm.
    this.onEntry({ digits, endedBy });
  }
}
