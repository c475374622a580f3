/**
 * Whether a tenant may start one more call now: its concurrent-call and
 * calls-per-minute limits. make-call answers a refusal with 429; inbound
 * routing with polite TwiML.
 *
 * The API reserves the slot in a short transaction of its own (reserveCall),
 * then records the call and starts its workflow in another that takes the
 * reservation back: the tenant's lock is never held across a Temporal round
 * trip, so one tenant's calls start in parallel and never queue for the
 * database pool behind that lock.
 */
import { lockTenantCallUsage, releaseCallSlot, reserveCallSlot } from '../db/call-admission.js';
import type { Database, Queryable } from '../db/database.js';

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

export async function admitCall(
  client: Queryable,
  tenantId: string,
  callId?: string,
): Promise<CallAdmission> {
  const usage = await lockTenantCallUsage(client, tenantId, callId);
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

/** Admits the call and, if admitted, reserves its slot until its own transaction commits. */
export function reserveCall(
  db: Database,
  tenantId: string,
  callId: string,
): Promise<CallAdmission> {
  return db.transaction(async (client) => {
    // A slot this call already holds (Twilio delivered its webhook twice) is its own.
    const admission = await admitCall(client, tenantId, callId);
    if (admission.admitted) await reserveCallSlot(client, tenantId, callId);
    return admission;
  });
}

/** Inside the call's transaction: the call row now counts, the reservation no longer does. */
export const takeReservation = (client: Queryable, callId: string) =>
  releaseCallSlot(client, callId);

/** The call was not recorded (Temporal down, a conflict): its slot is free at once (or expires). */
export async function abandonReservation(db: Database, callId: string): Promise<void> {
  await releaseCallSlot(db, callId).catch(() => undefined);
}
