/**
 * SQL for the media bridge instance registry: each instance's row, its
 * heartbeat, and which instances are live (with how many sessions they carry).
 */
import type { Queryable } from './database.js';

/** Live: not stopped, and heartbeated within its own stale bound, on the database's clock. */
export const INSTANCE_IS_LIVE = `(bi.stopped_at IS NULL
  AND bi.heartbeat_at > now() - bi.stale_after_ms * interval '1 millisecond')`;

export interface BridgeInstanceRegistration {
  id: string;
  streamUrl: string;
  heartbeatMs: number;
  staleAfterMs: number;
}

export interface LiveBridgeInstance {
  id: string;
  stream_url: string;
  started_at: Date;
  heartbeat_at: Date;
  stale_after_ms: number;
  /** Sessions on the instance that have not ended. */
  active_sessions: number;
}

/**
 * Registers the instance on its first call and heartbeats it after: one statement, so a
 * registration that failed (database down at start) is made by the next beat.
 */
export async function heartbeatBridgeInstance(
  db: Queryable,
  instance: BridgeInstanceRegistration,
): Promise<void> {
  await db.query(
    `INSERT INTO bridge_instances (id, stream_url, heartbeat_ms, stale_after_ms)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
     WHERE bridge_instances.stopped_at IS NULL`,
    [instance.id, instance.streamUrl, instance.heartbeatMs, instance.staleAfterMs],
  );
}

export async function markBridgeInstanceStopped(db: Queryable, id: string): Promise<void> {
  await db.query(
    'UPDATE bridge_instances SET stopped_at = now() WHERE id = $1 AND stopped_at IS NULL',
    [id],
  );
}

/** Live instances, those carrying the fewest sessions first (where a new stream should go). */
export async function listLiveBridgeInstances(db: Queryable): Promise<LiveBridgeInstance[]> {
  const result = await db.query<LiveBridgeInstance>(
    `SELECT bi.id, bi.stream_url, bi.started_at, bi.heartbeat_at, bi.stale_after_ms,
       (SELECT count(*)::int FROM voice_sessions vs
        WHERE vs.bridge_instance_id = bi.id AND vs.ended_at IS NULL) AS active_sessions
     FROM bridge_instances bi
     WHERE ${INSTANCE_IS_LIVE}
     ORDER BY active_sessions, bi.started_at, bi.id`,
  );
  return result.rows;
}
