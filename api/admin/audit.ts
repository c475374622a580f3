/** Appends an audit entry inside the mutation's own transaction: both land, or neither. */
import { insertAuditEntry } from '../../db/audit-log.js';
import type { Queryable } from '../../db/database.js';
import type { GovernanceContext } from './context.js';

export interface AuditedChange {
  action: string;
  targetType: string;
  targetId: string;
  tenantId: string | null;
  /** Presented views only: secrets are already masked and hashes left out. */
  before: unknown;
  after: unknown;
  reason?: string | null;
}

export async function recordAudit(
  client: Queryable,
  context: GovernanceContext,
  change: AuditedChange,
): Promise<void> {
  await insertAuditEntry(client, {
    actor: context.actor.name,
    actorKey: context.actor.key,
    action: change.action,
    targetType: change.targetType,
    targetId: change.targetId,
    tenantId: change.tenantId,
    before: change.before,
    after: change.after,
    reason: change.reason,
    requestId: context.requestId,
  });
}
