/**
 * Which agent a new outbound call runs, checked before anything is recorded:
 * `from` must be one of the tenant's numbers; an explicit version must exist
 * for this tenant (else 404, as for another tenant's) and be approved (else
 * 422); an agent_key is routed by a phone route's rollout policy, the `from`
 * number's when it routes this agent.
 */
import type { Database } from '../../db/database.js';
import {
  findAgentByKey,
  findAgentVersion,
  findLatestApprovedVersion,
  findPhoneRouteForAgent,
} from '../../db/tenants.js';
import { BusinessRuleError, NotFoundError } from '../../lib/errors.js';

export interface CallRouting {
  agentId: string;
  agentVersionId?: string;
  phoneRouteId?: string;
}

export async function resolveCallRouting(
  db: Database,
  tenantId: string,
  request: { from: string; agent_key?: string; agent_version_id?: string },
): Promise<CallRouting> {
  const owned = await db.query<{ id: string; agent_id: string }>(
    'SELECT id, agent_id FROM phone_routes WHERE tenant_id = $1 AND phone_number = $2',
    [tenantId, request.from],
  );
  const fromRoute = owned.rows[0];
  if (!fromRoute)
    throw new BusinessRuleError('from_not_owned', 'from must be a number your tenant owns');

  if (request.agent_version_id) {
    const version = await findAgentVersion(db, tenantId, request.agent_version_id);
    if (!version) throw new NotFoundError('agent version');
    if (version.status !== 'approved') {
      throw new BusinessRuleError(
        'agent_version_not_approved',
        'only approved agent versions can take calls',
      );
    }
    return { agentId: version.agent_id, agentVersionId: version.id };
  }

  const agent = await findAgentByKey(db, tenantId, request.agent_key ?? '');
  if (!agent) throw new NotFoundError('agent');
  const route =
    fromRoute.agent_id === agent.id
      ? fromRoute
      : await findPhoneRouteForAgent(db, tenantId, agent.id);
  if (route) return { agentId: agent.id, phoneRouteId: route.id };

  // No route names this agent: its latest approved version answers, and there must be one.
  if (!(await findLatestApprovedVersion(db, tenantId, agent.id))) {
    throw new BusinessRuleError(
      'agent_not_routable',
      'the agent has no approved version to take the call',
    );
  }
  return { agentId: agent.id };
}
