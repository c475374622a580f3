/**
 * SQL behind the per-tenant call limits. Counted from the calls table, under
 * a per-tenant advisory lock held to the end of the caller's transaction, so
 * every API instance sees the same count and two requests never both take
 * the last slot.
 */
import type { Queryable } from './database.js';

export interface TenantCallUsage {
  status: 'active' | 'suspended';
  max_concurrent_calls: number;
  calls_per_minute: number;
  live_calls: number;
  calls_last_minute: number;
  /** Seconds until the oldest call of the last minute leaves the window. */
  window_frees_in_sec: number | null;
}

export async function lockTenantCallUsage(
  db: Queryable,
  tenantId: string,
): Promise<TenantCallUsage | undefined> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenant-calls:' || $1, 0))`, [
    tenantId,
  ]);
  const result = await db.query<TenantCallUsage>(
    `SELECT t.status, t.max_concurrent_calls, t.calls_per_minute,
       (SELECT count(*)::int FROM calls c WHERE c.tenant_id = t.id AND c.ended_at IS NULL) AS live_calls,
       w.calls_last_minute,
       CEIL(EXTRACT(EPOCH FROM (w.oldest + interval '1 minute' - clock_timestamp())))::int AS window_frees_in_sec
     FROM tenants t,
       LATERAL (SELECT count(*)::int AS calls_last_minute, min(created_at) AS oldest FROM calls c
                WHERE c.tenant_id = t.id AND c.created_at > clock_timestamp() - interval '1 minute') w
     WHERE t.id = $1`,
    [tenantId],
  );
  return result.rows[0];
}
