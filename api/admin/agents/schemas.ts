/** Agents: a tenant's named phone agent, whose behaviour lives in its versions. */
import { z } from 'zod';
import type { AgentRecord } from '../../../db/agents.js';
import { iso, page, pageQuery, resourceId, timestamp } from '../common.js';

export const createAgentBody = z
  .object({
    tenant_id: resourceId,
    key: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, _ and -, at most 63')
      .meta({
        description: 'What make-call names as agent_key; unique per tenant.',
        example: 'support-agent',
      }),
    name: z.string().trim().min(1).max(200),
  })
  .strict()
  .meta({ id: 'CreateAgent' });

export const updateAgentBody = z
  .object({ name: z.string().trim().min(1).max(200) })
  .strict()
  .meta({ id: 'UpdateAgent' });

export const agentParams = z.object({ agent_id: resourceId });
export const listAgentsQuery = z.object({ tenant_id: resourceId.optional(), ...pageQuery });

export const agentView = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    key: z.string(),
    name: z.string(),
    created_at: timestamp,
  })
  .meta({ id: 'Agent' });

export const agentPage = page(agentView).meta({ id: 'AgentPage' });

export type AgentView = z.output<typeof agentView>;

export function presentAgent(row: AgentRecord): AgentView {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    key: row.key,
    name: row.name,
    created_at: iso(row.created_at) ?? '',
  };
}
