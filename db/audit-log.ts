/** SQL for the audit log: appended inside each admin mutation's transaction, read newest first. */
import type { Queryable } from './database.js';

export interface AuditEntryRecord {
  id: string;
  occurred_at: Date;
  actor: string;
  actor_key: string;
  action: string;
  target_type: string;
  target_id: string;
  tenant_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  request_id: string | null;
}

export interface NewAuditEntry {
  actor: string;
  actorKey: string;
  action: string;
  targetType: string;
  targetId: string;
  tenantId: string | null;
  before: unknown;
  after: unknown;
  reason?: string | null;
  requestId?: string;
}

export async function insertAuditEntry(db: Queryable, entry: NewAuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor, actor_key, action, target_type, target_id, tenant_id, before, after, reason,
       request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      entry.actor,
      entry.actorKey,
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.tenantId,
      entry.before === undefined || entry.before === null ? null : JSON.stringify(entry.before),
      entry.after === undefined || entry.after === null ? null : JSON.stringify(entry.after),
      entry.reason ?? null,
      entry.requestId ?? null,
    ],
  );
}

export interface AuditFilter {
  tenantId?: string;
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
  /** Entries older than this id (the previous page's last id). */
  before?: string;
  limit: number;
}

export async function listAuditEntries(
  db: Queryable,
  filter: AuditFilter,
): Promise<AuditEntryRecord[]> {
  const result = await db.query<AuditEntryRecord>(
    `SELECT id::text, occurred_at, actor, actor_key, action, target_type, target_id, tenant_id, before, after,
       reason, request_id
     FROM audit_log
     WHERE ($1::text IS NULL OR tenant_id = $1)
       AND ($2::text IS NULL OR actor = $2)
       AND ($3::text IS NULL OR action = $3)
       AND ($4::text IS NULL OR target_type = $4)
       AND ($5::text IS NULL OR target_id = $5)
       AND ($6::timestamptz IS NULL OR occurred_at >= $6)
       AND ($7::timestamptz IS NULL OR occurred_at < $7)
       AND ($8::bigint IS NULL OR audit_log.id < $8)
     ORDER BY audit_log.id DESC LIMIT $9`,
    [
      filter.tenantId ?? null,
      filter.actor ?? null,
      filter.action ?? null,
      filter.targetType ?? null,
      filter.targetId ?? null,
      filter.since ?? null,
      filter.until ?? null,
      filter.before ?? null,
      filter.limit,
    ],
  );
  return result.rows;
}
