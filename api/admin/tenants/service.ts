/** Tenant lifecycle: create, read, change limits or suspend. Each change is audited. */
import type { Queryable } from '../../../db/database.js';
import {
  findTenant,
  insertTenant,
  listTenants,
  lockTenant,
  updateTenant,
} from '../../../db/tenants.js';
import { NotFoundError } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { recordAudit } from '../audit.js';
import { pageOf } from '../common.js';
import type { GovernanceContext } from '../context.js';
import { presentTenant, type TenantView, type UpdateTenantBody } from './schemas.js';

export interface NewTenant {
  name: string;
  max_concurrent_calls?: number;
  calls_per_minute?: number;
  requests_per_minute?: number;
}

export async function createTenant(
  context: GovernanceContext,
  input: NewTenant,
): Promise<TenantView> {
  return context.db.transaction(async (client) => {
    const row = await insertTenant(client, { id: newId('ten'), ...input });
    const view = presentTenant(row);
    await recordAudit(client, context, {
      action: 'tenant.create',
      targetType: 'tenant',
      targetId: row.id,
      tenantId: row.id,
      before: null,
      after: view,
    });
    return view;
  });
}

export async function changeTenant(
  context: GovernanceContext,
  tenantId: string,
  changes: UpdateTenantBody,
): Promise<TenantView> {
  return context.db.transaction(async (client) => {
    const before = await lockTenant(client, tenantId);
    if (!before) throw new NotFoundError('tenant');
    const after = presentTenant(await updateTenant(client, tenantId, changes));
    await recordAudit(client, context, {
      action: tenantAction(before.status, changes.status),
      targetType: 'tenant',
      targetId: tenantId,
      tenantId,
      before: presentTenant(before),
      after,
    });
    return after;
  });
}

function tenantAction(from: string, to: string | undefined): string {
  if (!to || to === from) return 'tenant.update';
  return to === 'suspended' ? 'tenant.suspend' : 'tenant.activate';
}

/** The tenant, or 404: every admin resource that names a tenant checks it through here. */
export async function requireTenant(db: Queryable, tenantId: string): Promise<TenantView> {
  const row = await findTenant(db, tenantId);
  if (!row) throw new NotFoundError('tenant');
  return presentTenant(row);
}

export async function listTenantPage(db: Queryable, query: { limit: number; cursor?: string }) {
  const rows = await listTenants(db, { limit: query.limit, after: query.cursor });
  return pageOf(rows, query.limit, presentTenant, (row) => row.id);
}
