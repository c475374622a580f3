/**
 * Phone routes and their rollout. A policy may name only approved versions of
 * the route's agent; each change keeps the policy it replaced, so a rollback
 * is one step and restores exactly what was there.
 */
import { listAgentVersionsByIds } from '../../../db/agents.js';
import type { Queryable } from '../../../db/database.js';
import {
  deletePhoneRoute,
  findPhoneRouteById,
  insertPhoneRoute,
  listPhoneRoutes,
  lockPhoneRoute,
  replaceRollout,
  type PhoneRouteRecord,
} from '../../../db/phone-routes.js';
import { BusinessRuleError, ConflictError, NotFoundError } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import type { RolloutPolicy } from '../../../lib/rollout.js';
import { requireAgent } from '../agents/service.js';
import { recordAudit } from '../audit.js';
import { pageOf } from '../common.js';
import type { GovernanceContext } from '../context.js';
import { presentPhoneRoute, type PhoneRouteView } from './schemas.js';

const UNIQUE_VIOLATION = '23505';

/** Refuses a policy naming a version that is not an approved version of this agent. */
async function checkPolicy(
  client: Queryable,
  agentId: string,
  policy: RolloutPolicy,
): Promise<void> {
  const ids = policy.weights.map((entry) => entry.agent_version_id);
  const versions = new Map(
    (await listAgentVersionsByIds(client, agentId, ids)).map((row) => [row.id, row]),
  );
  for (const id of ids) {
    const version = versions.get(id);
    if (!version)
      throw new BusinessRuleError('unknown_agent_version', `${id} is not a version of this agent`);
    if (version.status !== 'approved') {
      throw new BusinessRuleError(
        'agent_version_not_approved',
        `${id} is ${version.status}; only approved versions take traffic`,
      );
    }
  }
}

export async function createPhoneRoute(
  context: GovernanceContext,
  input: {
    tenant_id: string;
    phone_number: string;
    agent_id: string;
    launch_owner: string;
    rollout: RolloutPolicy;
  },
): Promise<PhoneRouteView> {
  const agent = await requireAgent(context.db, input.agent_id);
  // An agent of another tenant is, for this tenant, an agent that does not exist.
  if (agent.tenant_id !== input.tenant_id) throw new NotFoundError('agent');
  try {
    return await context.db.transaction(async (client) => {
      await checkPolicy(client, agent.id, input.rollout);
      const row = await insertPhoneRoute(client, {
        id: newId('route'),
        tenantId: input.tenant_id,
        phoneNumber: input.phone_number,
        agentId: agent.id,
        rollout: input.rollout,
        launchOwner: input.launch_owner,
        actor: context.actor.name,
      });
      const view = presentPhoneRoute(row);
      await recordAudit(client, context, {
        action: 'phone_route.create',
        targetType: 'phone_route',
        targetId: row.id,
        tenantId: row.tenant_id,
        before: null,
        after: view,
      });
      return view;
    });
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new ConflictError('that phone number is already routed');
    }
    throw error;
  }
}

async function lockRoute(client: Queryable, routeId: string): Promise<PhoneRouteRecord> {
  const row = await lockPhoneRoute(client, routeId);
  if (!row) throw new NotFoundError('phone route');
  return row;
}

export async function changeRollout(
  context: GovernanceContext,
  routeId: string,
  change: { rollout: RolloutPolicy; launch_owner?: string; reason?: string },
): Promise<PhoneRouteView> {
  return context.db.transaction(async (client) => {
    const before = await lockRoute(client, routeId);
    await checkPolicy(client, before.agent_id, change.rollout);
    const after = await replaceRollout(client, routeId, {
      rollout: change.rollout,
      previous: before.rollout,
      launchOwner: change.launch_owner ?? null,
      actor: context.actor.name,
    });
    await recordAudit(client, context, {
      action: 'phone_route.rollout',
      targetType: 'phone_route',
      targetId: routeId,
      tenantId: before.tenant_id,
      before: presentPhoneRoute(before),
      after: presentPhoneRoute(after),
      reason: change.reason,
    });
    return presentPhoneRoute(after);
  });
}

/** Puts the previous policy back. One step: the policy rolled back from is not kept as a new "previous". */
export async function rollBackRollout(
  context: GovernanceContext,
  routeId: string,
  reason: string | undefined,
): Promise<PhoneRouteView> {
  return context.db.transaction(async (client) => {
    const before = await lockRoute(client, routeId);
    if (!before.previous_rollout) {
      throw new BusinessRuleError(
        'no_previous_rollout',
        'this route has no previous policy to roll back to',
      );
    }
    const after = await replaceRollout(client, routeId, {
      rollout: before.previous_rollout,
      previous: null,
      launchOwner: null,
      actor: context.actor.name,
    });
    await recordAudit(client, context, {
      action: 'phone_route.rollback',
      targetType: 'phone_route',
      targetId: routeId,
      tenantId: before.tenant_id,
      before: presentPhoneRoute(before),
      after: presentPhoneRoute(after),
      reason,
    });
    return presentPhoneRoute(after);
  });
}

export async function removePhoneRoute(context: GovernanceContext, routeId: string): Promise<void> {
  await context.db.transaction(async (client) => {
    const before = await lockRoute(client, routeId);
    await deletePhoneRoute(client, routeId);
    await recordAudit(client, context, {
      action: 'phone_route.delete',
      targetType: 'phone_route',
      targetId: routeId,
      tenantId: before.tenant_id,
      before: presentPhoneRoute(before),
      after: null,
    });
  });
}

export async function requirePhoneRoute(db: Queryable, routeId: string): Promise<PhoneRouteView> {
  const row = await findPhoneRouteById(db, routeId);
  if (!row) throw new NotFoundError('phone route');
  return presentPhoneRoute(row);
}

export async function listPhoneRoutePage(
  db: Queryable,
  query: { tenant_id?: string; limit: number; cursor?: string },
) {
  const rows = await listPhoneRoutes(db, {
    tenantId: query.tenant_id,
    limit: query.limit,
    after: query.cursor,
  });
  return pageOf(rows, query.limit, presentPhoneRoute, (row) => row.id);
}
