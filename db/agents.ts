/** SQL for agents, their versions and every state change of a version. Scoped by tenant. */
import type { AgentVersionConfig } from '../workflows/types.js';
import type { Queryable } from './database.js';

export interface AgentRecord {
  id: string;
  tenant_id: string;
  key: string;
  name: string;
  created_at: Date;
}

export type AgentVersionStatus = 'draft' | 'submitted' | 'approved' | 'rejected';

export interface AgentVersionRecord {
  id: string;
  tenant_id: string;
  agent_id: string;
  version: number;
  status: AgentVersionStatus;
  config: AgentVersionConfig;
  created_by: string;
  created_at: Date;
  submitted_by: string | null;
  submitted_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
}

export interface TransitionRecord {
  id: string;
  agent_version_id: string;
  from_status: AgentVersionStatus | null;
  to_status: AgentVersionStatus;
  actor: string;
  reason: string | null;
  occurred_at: Date;
}

export async function insertAgent(
  db: Queryable,
  agent: { id: string; tenantId: string; key: string; name: string },
): Promise<AgentRecord> {
  const result = await db.query<AgentRecord>(
    'INSERT INTO agents (id, tenant_id, key, name) VALUES ($1, $2, $3, $4) RETURNING *',
    [agent.id, agent.tenantId, agent.key, agent.name],
  );
  return result.rows[0] as AgentRecord;
}

export async function findAgentById(
  db: Queryable,
  agentId: string,
): Promise<AgentRecord | undefined> {
  const result = await db.query<AgentRecord>('SELECT * FROM agents WHERE id = $1', [agentId]);
  return result.rows[0];
}

export async function lockAgent(db: Queryable, agentId: string): Promise<AgentRecord | undefined> {
  const result = await db.query<AgentRecord>('SELECT * FROM agents WHERE id = $1 FOR UPDATE', [
    agentId,
  ]);
  return result.rows[0];
}

export async function renameAgent(
  db: Queryable,
  agentId: string,
  name: string,
): Promise<AgentRecord> {
  const result = await db.query<AgentRecord>(
    'UPDATE agents SET name = $2 WHERE id = $1 RETURNING *',
    [agentId, name],
  );
  return result.rows[0] as AgentRecord;
}

export async function listAgents(
  db: Queryable,
  filter: { tenantId?: string; limit: number; after?: string },
): Promise<AgentRecord[]> {
  const result = await db.query<AgentRecord>(
    `SELECT * FROM agents
     WHERE ($1::text IS NULL OR tenant_id = $1)
       AND ($3::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM agents WHERE id = $3))
     ORDER BY created_at, id LIMIT $2`,
    [filter.tenantId ?? null, filter.limit, filter.after ?? null],
  );
  return result.rows;
}

/** The agent row is locked by the caller, so version numbers are handed out one at a time. */
export async function insertAgentVersion(
  db: Queryable,
  version: {
    id: string;
    tenantId: string;
    agentId: string;
    config: AgentVersionConfig;
    createdBy: string;
  },
): Promise<AgentVersionRecord> {
  const result = await db.query<AgentVersionRecord>(
    `INSERT INTO agent_versions (id, tenant_id, agent_id, version, status, config, created_by)
     VALUES ($1, $2, $3,
       (SELECT COALESCE(max(version), 0) + 1 FROM agent_versions WHERE agent_id = $3),
       'draft', $4, $5)
     RETURNING *`,
    [
      version.id,
      version.tenantId,
      version.agentId,
      JSON.stringify(version.config),
      version.createdBy,
    ],
  );
  return result.rows[0] as AgentVersionRecord;
}

export async function lockAgentVersion(
  db: Queryable,
  agentId: string,
  versionId: string,
): Promise<AgentVersionRecord | undefined> {
  const result = await db.query<AgentVersionRecord>(
    'SELECT * FROM agent_versions WHERE id = $1 AND agent_id = $2 FOR UPDATE',
    [versionId, agentId],
  );
  return result.rows[0];
}

export async function findAgentVersionOfAgent(
  db: Queryable,
  agentId: string,
  versionId: string,
): Promise<AgentVersionRecord | undefined> {
  const result = await db.query<AgentVersionRecord>(
    'SELECT * FROM agent_versions WHERE id = $1 AND agent_id = $2',
    [versionId, agentId],
  );
  return result.rows[0];
}

export async function listAgentVersions(
  db: Queryable,
  agentId: string,
): Promise<AgentVersionRecord[]> {
  const result = await db.query<AgentVersionRecord>(
    'SELECT * FROM agent_versions WHERE agent_id = $1 ORDER BY version',
    [agentId],
  );
  return result.rows;
}

export async function listAgentVersionsByIds(
  db: Queryable,
  agentId: string,
  versionIds: string[],
): Promise<AgentVersionRecord[]> {
  const result = await db.query<AgentVersionRecord>(
    'SELECT * FROM agent_versions WHERE agent_id = $1 AND id = ANY($2::text[])',
    [agentId, versionIds],
  );
  return result.rows;
}

export async function updateDraftConfig(
  db: Queryable,
  versionId: string,
  config: AgentVersionConfig,
): Promise<AgentVersionRecord> {
  const result = await db.query<AgentVersionRecord>(
    `UPDATE agent_versions SET config = $2 WHERE id = $1 AND status = 'draft' RETURNING *`,
    [versionId, JSON.stringify(config)],
  );
  return result.rows[0] as AgentVersionRecord;
}

export async function markSubmitted(
  db: Queryable,
  versionId: string,
  actor: string,
): Promise<AgentVersionRecord> {
  const result = await db.query<AgentVersionRecord>(
    `UPDATE agent_versions SET status = 'submitted', submitted_by = $2, submitted_at = now()
     WHERE id = $1 RETURNING *`,
    [versionId, actor],
  );
  return result.rows[0] as AgentVersionRecord;
}

export async function markDecided(
  db: Queryable,
  versionId: string,
  decision: { status: 'approved' | 'rejected'; actor: string; reason: string },
): Promise<AgentVersionRecord> {
  const result = await db.query<AgentVersionRecord>(
    `UPDATE agent_versions SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4
     WHERE id = $1 RETURNING *`,
    [versionId, decision.status, decision.actor, decision.reason],
  );
  return result.rows[0] as AgentVersionRecord;
}

export async function insertTransition(
  db: Queryable,
  transition: {
    tenantId: string;
    versionId: string;
    from: AgentVersionStatus | null;
    to: AgentVersionStatus;
    actor: string;
    reason: string | null;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO agent_version_transitions (tenant_id, agent_version_id, from_status, to_status, actor, reason)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      transition.tenantId,
      transition.versionId,
      transition.from,
      transition.to,
      transition.actor,
      transition.reason,
    ],
  );
}

export async function listTransitions(
  db: Queryable,
  versionId: string,
): Promise<TransitionRecord[]> {
  const result = await db.query<TransitionRecord>(
    `SELECT id::text, agent_version_id, from_status, to_status, actor, reason, occurred_at
     FROM agent_version_transitions WHERE agent_version_id = $1
     ORDER BY agent_version_transitions.id`,
    [versionId],
  );
  return result.rows;
}

/** Versions waiting for a decision, oldest submission first. */
export async function listSubmittedVersions(
  db: Queryable,
  tenantId?: string,
): Promise<AgentVersionRecord[]> {
  const result = await db.query<AgentVersionRecord>(
    `SELECT * FROM agent_versions WHERE status = 'submitted' AND ($1::text IS NULL OR tenant_id = $1)
     ORDER BY submitted_at, id LIMIT 500`,
    [tenantId ?? null],
  );
  return result.rows;
}
