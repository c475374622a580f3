/** The audit log as the admin API reads it: newest first, filterable, cursor-paged. */
import { z } from 'zod';
import type { AuditEntryRecord } from '../../../db/audit-log.js';
import { iso, page, resourceId, timestamp } from '../common.js';

export const auditQuery = z
  .object({
    tenant_id: resourceId.optional(),
    actor: z.string().min(1).max(100).optional(),
    action: z.string().min(1).max(100).optional().meta({ example: 'agent_version.approve' }),
    target_type: z.string().min(1).max(50).optional(),
    target_id: resourceId.optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^\d{1,18}$/, 'a next_cursor from a previous page')
      .optional(),
  })
  .strict();

export const auditEntryView = z
  .object({
    id: z.string(),
    occurred_at: timestamp,
    actor: z.string(),
    actor_key: z
      .string()
      .meta({ description: 'Which credential acted (a fingerprint, never the key).' }),
    action: z.string(),
    target_type: z.string(),
    target_id: z.string(),
    tenant_id: z.string().nullable(),
    before: z.unknown().meta({ description: 'The target before, secrets masked; null on create.' }),
    after: z.unknown().meta({ description: 'The target after, secrets masked; null on delete.' }),
    reason: z.string().nullable(),
    request_id: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

export const auditPage = page(auditEntryView).meta({ id: 'AuditPage' });

export function presentAuditEntry(row: AuditEntryRecord): z.output<typeof auditEntryView> {
  return {
    id: row.id,
    occurred_at: iso(row.occurred_at) ?? '',
    actor: row.actor,
    actor_key: row.actor_key,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    tenant_id: row.tenant_id,
    before: row.before,
    after: row.after,
    reason: row.reason,
    request_id: row.request_id,
  };
}
