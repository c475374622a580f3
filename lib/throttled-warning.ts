/**
 * One warning for a flood: the first occurrence is logged at once, later ones
 * are counted and reported at most once per interval. A peer sending hundreds
 * of bad requests a second must not turn each into a log line.
 */
import type { Logger } from './logger.js';

export const WARNING_INTERVAL_MS = 10_000;

export type ThrottledWarning = (fields?: Record<string, unknown>) => void;

export function throttledWarning(
  logger: Logger,
  message: string,
  intervalMs = WARNING_INTERVAL_MS,
  now: () => number = Date.now,
): ThrottledWarning {
  let windowStartedAt = -Infinity;
  let suppressed = 0;
  return (fields = {}) => {
    const time = now();
    if (time - windowStartedAt < intervalMs) {
      suppressed += 1;
      return;
    }
    logger.warn({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
    windowStartedAt = time;
    suppressed = 0;
  };
}
