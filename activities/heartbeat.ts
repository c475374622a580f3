/**
 * Heartbeats while an activity waits on something slow (a tenant's webhook,
 * the judge model), so Temporal notices a dead worker within the activity's
 * heartbeat timeout instead of its much longer start-to-close timeout, and
 * retries the attempt on another worker.
 */
import { Context } from '@temporalio/activity';

/** Heartbeats this many times per heartbeat timeout: one lost beat is never fatal. */
const BEATS_PER_TIMEOUT = 3;

function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    // Called outside an activity (a unit test calling the function directly).
    return undefined;
  }
}

export async function heartbeatWhile<T>(work: () => Promise<T>): Promise<T> {
  const context = currentActivity();
  const timeoutMs = context?.info.heartbeatTimeoutMs;
  if (!context || !timeoutMs) return work();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), timeoutMs / BEATS_PER_TIMEOUT);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
