/**
 * SQL behind the per-tenant call limits. Counted from the calls table and the
 * slots admission reserved for calls not yet committed, under a per-tenant
 * advisory lock held to the end of the caller's transaction, so every API
 * instance sees the same count and two requests never both take the last slot.
 */
import type { Queryable } from './database.js';

/**
 * How long a reserved slot counts without its call: far longer than a call's own transaction
 * takes (its Temporal start is bounded by TEMPORAL_REQUEST_TIMEOUT_MS), short enough that a
 * slot whose call never committed (the api killed mid-request) is soon free again.
 */
export const RESERVATION_TTL_SEC = 60;

export interface TenantCallUsage {
  status: 'active' | 'suspended';
  max_concurrent_calls: number;
  calls_per_minute: number;
  live_calls: number;
  calls_last_minute: number;
  /** Seconds until the oldest call of the last minute leaves the window. */
  window_frees_in_sec: number | null;
}

/** `callId`: a call whose own reserved slot is not counted (a retried webhook of that call). */
export async function lockTenantCallUsage(
  db: Queryable,
  tenantId: string,
  callId?: string,
): Promise<TenantCallUsage | undefined> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenant-calls:' || $1, 0))`, [
    tenantId,
  ]);
  const result = await db.query<TenantCallUsage>(
    `WITH reserved AS (
       SELECT r.created_at FROM call_admission_reservations r
       WHERE r.tenant_id = $1 AND r.expires_at > clock_timestamp() AND r.call_id IS DISTINCT FROM $2
     )
     SELECT t.status, t.max_concurrent_calls, t.calls_per_minute,
       (SELECT count(*)::int FROM calls c WHERE c.tenant_id = t.id AND c.ended_at IS NULL)
         + (SELECT count(*)::int FROM reserved) AS live_calls,
       w.calls_last_minute,
       CEIL(EXTRACT(EPOCH FROM (w.oldest + interval '1 minute' - clock_timestamp())))::int AS window_frees_in_sec
     FROM tenants t,
       LATERAL (SELECT count(*)::int AS calls_last_minute, min(created_at) AS oldest FROM (
                  SELECT c.created_at FROM calls c
                  WHERE c.tenant_id = t.id AND c.created_at > clock_timestamp() - interval '1 minute'
                  UNION ALL
                  SELECT created_at FROM reserved
                  WHERE created_at > clock_timestamp() - interval '1 minute') started) w
     WHERE t.id = $1`,
    [tenantId, callId ?? null],
  );
  return result.rows[0];
}

/** Holds a slot for a call about to be recorded; the caller has just admitted it under the lock. */
export async function reserveCallSlot(
  db: Queryable,
  tenantId: string,
  callId: string,
): Promise<void> {
  await db.query(
    `INSERT INTO call_admission_reservations (call_id, tenant_id, expires_at)
     VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
     ON CONFLICT (call_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
    [callId, tenantId, RESERVATION_TTL_SEC],
  );
}

/** Gives the slot back: in the transaction that records the call, or when the call failed. */
export async function releaseCallSlot(db: Queryable, callId: string): Promise<void> {
  await db.query('DELETE FROM call_admission_reservations WHERE call_id = $1', [callId]);
}
