/**
 * Whether a tenant may start one more call now: its concurrent-call and
 * calls-per-minute limits, checked inside the transaction that records the
 * call. make-call answers a refusal with 429; inbound routing with polite TwiML.
 */
import { lockTenantCallUsage } from '../db/call-admission.js';
import type { Queryable } from '../db/database.js';

/** Nobody knows when a live call will end; this is how soon asking again is reasonable. */
export const CONCURRENT_RETRY_AFTER_SEC = 10;

export type CallAdmission =
  | { admitted: true }
  | {
      admitted: false;
      limit: 'concurrent_calls' | 'calls_per_minute' | 'tenant_suspended';
      message: string;
      retryAfterSec: number;
    };

export async function admitCall(client: Queryable, tenantId: string): Promise<CallAdmission> {
  const usage = await lockTenantCallUsage(client, tenantId);
  if (!usage || usage.status !== 'active') {
    return {
      admitted: false,
      limit: 'tenant_suspended',
      message: 'the tenant is suspended',
      retryAfterSec: 3_600,
    };
  }
  if (usage.live_calls >= usage.max_concurrent_calls) {
    return {
      admitted: false,
      limit: 'concurrent_calls',
      message: `the tenant already has ${usage.live_calls} live calls (limit ${usage.max_concurrent_calls})`,
      retryAfterSec: CONCURRENT_RETRY_AFTER_SEC,
    };
  }
  if (usage.calls_last_minute >= usage.calls_per_minute) {
    return {
      admitted: false,
      limit: 'calls_per_minute',
      message: `the tenant started ${usage.calls_last_minute} calls in the last minute (limit ${usage.calls_per_minute})`,
      retryAfterSec: Math.min(60, Math.max(1, usage.window_frees_in_sec ?? 60)),
    };
  }
  return { admitted: true };
}
