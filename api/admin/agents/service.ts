/** Agent lifecycle: create under a tenant, rename, read. Versions have their own service. */
import {
  findAgentById,
  insertAgent,
  listAgents,
  lockAgent,
  renameAgent,
  type AgentRecord,
} from '../../../db/agents.js';
import type { Queryable } from '../../../db/database.js';
import { ConflictError, NotFoundError } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { recordAudit } from '../audit.js';
import { pageOf } from '../common.js';
import type { GovernanceContext } from '../context.js';
import { requireTenant } from '../tenants/service.js';
import { presentAgent, type AgentView } from './schemas.js';

const UNIQUE_VIOLATION = '23505';

export async function createAgent(
  context: GovernanceContext,
  input: { tenant_id: string; key: string; name: string },
): Promise<AgentView> {
  await requireTenant(context.db, input.tenant_id);
  try {
    return await context.db.transaction(async (client) => {
      const row = await insertAgent(client, {
        id: newId('agt'),
        tenantId: input.tenant_id,
        key: input.key,
        name: input.name,
      });
      const view = presentAgent(row);
      await recordAudit(client, context, {
        action: 'agent.create',
        targetType: 'agent',
        targetId: row.id,
        tenantId: row.tenant_id,
        before: null,
        after: view,
      });
      return view;
    });
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new ConflictError(`the tenant already has an agent with key ${input.key}`);
    }
    throw error;
  }
}

export async function requireAgent(db: Queryable, agentId: string): Promise<AgentRecord> {
  const row = await findAgentById(db, agentId);
  if (!row) throw new NotFoundError('agent');
  return row;
}

export async function renameTenantAgent(
  context: GovernanceContext,
  agentId: string,
  name: string,
): Promise<AgentView> {
  return context.db.transaction(async (client) => {
    const before = await lockAgent(client, agentId);
    if (!before) throw new NotFoundError('agent');
    const after = presentAgent(await renameAgent(client, agentId, name));
    await recordAudit(client, context, {
      action: 'agent.update',
      targetType: 'agent',
      targetId: agentId,
      tenantId: before.tenant_id,
      before: presentAgent(before),
      after,
    });
    return after;
  });
}

export async function listAgentPage(
  db: Queryable,
  query: { tenant_id?: string; limit: number; cursor?: string },
) {
  const rows = await listAgents(db, {
    tenantId: query.tenant_id,
    limit: query.limit,
    after: query.cursor,
  });
  return pageOf(rows, query.limit, presentAgent, (row) => row.id);
}
