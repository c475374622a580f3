/** Agent versions and the approval gate they pass through. */
import { z } from 'zod';
import type { AgentVersionRecord, TransitionRecord } from '../../../db/agents.js';
import { iso, resourceId, timestamp } from '../common.js';
import { agentVersionConfig } from './config-schema.js';

const versionStatus = z.enum(['draft', 'submitted', 'approved', 'rejected']);

export const createVersionBody = z
  .object({ config: agentVersionConfig })
  .strict()
  .meta({ id: 'CreateAgentVersion' });
export const updateDraftBody = z
  .object({ config: agentVersionConfig })
  .strict()
  .meta({ id: 'UpdateAgentVersion' });

export const submitBody = z
  .object({ note: z.string().trim().min(1).max(1_000).optional() })
  .strict()
  .meta({ id: 'SubmitAgentVersion' });

export const decisionBody = z
  .object({
    reason: z.string().trim().min(1).max(1_000).meta({ description: 'Why; kept in the history.' }),
  })
  .strict()
  .meta({ id: 'AgentVersionDecision' });

export const agentVersionsParams = z.object({ agent_id: resourceId });
export const agentVersionParams = z.object({ agent_id: resourceId, version_id: resourceId });
export const approvalsQuery = z.object({ tenant_id: resourceId.optional() });

export const agentVersionView = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    agent_id: z.string(),
    version: z.int(),
    status: versionStatus,
    config: agentVersionConfig,
    created_by: z.string(),
    created_at: timestamp,
    submitted_by: z.string().nullable(),
    submitted_at: timestamp.nullable(),
    decided_by: z.string().nullable(),
    decided_at: timestamp.nullable(),
    decision_reason: z.string().nullable(),
  })
  .meta({ id: 'AgentVersion' });

export const agentVersionList = z
  .object({ data: z.array(agentVersionView) })
  .meta({ id: 'AgentVersionList' });

export const transitionView = z
  .object({
    from_status: versionStatus.nullable(),
    to_status: versionStatus,
    actor: z.string(),
    reason: z.string().nullable(),
    occurred_at: timestamp,
  })
  .meta({ id: 'AgentVersionTransition' });

export const transitionList = z
  .object({ data: z.array(transitionView) })
  .meta({ id: 'AgentVersionHistory' });

export type AgentVersionView = z.output<typeof agentVersionView>;

export function presentAgentVersion(row: AgentVersionRecord): AgentVersionView {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    agent_id: row.agent_id,
    version: row.version,
    status: row.status,
    config: row.config as AgentVersionView['config'],
    created_by: row.created_by,
    created_at: iso(row.created_at) ?? '',
    submitted_by: row.submitted_by,
    submitted_at: iso(row.submitted_at),
    decided_by: row.decided_by,
    decided_at: iso(row.decided_at),
    decision_reason: row.decision_reason,
  };
}

export function presentTransition(row: TransitionRecord) {
  return {
    from_status: row.from_status,
    to_status: row.to_status,
    actor: row.actor,
    reason: row.reason,
    occurred_at: iso(row.occurred_at) ?? '',
  };
}
