/** /api/v1/admin/audit-log */
import { listAuditEntries } from '../../../db/audit-log.js';
import { pageOf } from '../common.js';
import { adminOperation } from '../operation.js';
import { auditPage, auditQuery, presentAuditEntry } from './schemas.js';

export const auditLogOperations = [
  adminOperation({
    operationId: 'listAuditLog',
    method: 'get',
    path: '/audit-log',
    tag: 'Audit log',
    summary: 'Every admin change: who, when, what, before and after',
    query: auditQuery,
    success: { status: 200, description: 'A page of entries, newest first.', schema: auditPage },
    errors: [400, 401, 403, 429],
    handle: async ({ query, context }) => {
      const rows = await listAuditEntries(context.db, {
        tenantId: query.tenant_id,
        actor: query.actor,
        action: query.action,
        targetType: query.target_type,
        targetId: query.target_id,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
        before: query.cursor,
        limit: query.limit,
      });
      return pageOf(rows, query.limit, presentAuditEntry, (row) => row.id);
    },
  }),
];
