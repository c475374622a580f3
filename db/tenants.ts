/** SQL for tenants, their keys, agents, versions and phone routes. */
import type { RolloutPolicy } from '../lib/rollout.js';
import type { AgentVersionConfig } from '../workflows/types.js';
import type { Database, Queryable } from './database.js';

export interface TenantRow {
  id: string;
  name: string;
  status: 'active' | 'suspended';
  max_concurrent_calls: number;
  calls_per_minute: number;
  created_at: Date;
}

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  prefix: string;
  key_hash: string;
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
}

export async function findApiKeyByPrefix(db: Database, prefix: string): Promise<ApiKeyRow | undefined> {
  const result = await db.query<ApiKeyRow>(
    'SELECT id, tenant_id, prefix, key_hash, scopes, expires_at, revoked_at FROM api_keys WHERE prefix = $1',
    [prefix],
  );
  return result.rows[0];
}

export async function findTenant(db: Database, tenantId: string): Promise<TenantRow | undefined> {
  const result = await db.query<TenantRow>('SELECT * FROM tenants WHERE id = $1', [tenantId]);
  return result.rows[0];
}

export async function insertTenant(db: Queryable, tenant: { id: string; name: string }): Promise<void> {
  await db.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenant.id, tenant.name]);
}

export async function insertApiKey(
  db: Queryable,
  key: { id: string; tenantId: string; prefix: string; hash: string; scopes: string[]; name?: string },
): Promise<void> {
  await db.query(
    'INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4, $5, $6)',
    [key.id, key.tenantId, key.name ?? 'default', key.prefix, key.hash, key.scopes],
  );
}

export interface AgentVersionRow {
  id: string;
  tenant_id: string;
  agent_id: string;
  version: number;
  status: 'draft' | 'submitted' | 'approved' | 'rejected';
  config: AgentVersionConfig;
}

export async function findAgentVersion(
  db: Database,
  tenantId: string,
  versionId: string,
): Promise<AgentVersionRow | undefined> {
  const result = await db.query<AgentVersionRow>(
    'SELECT id, tenant_id, agent_id, version, status, config FROM agent_versions WHERE id = $1 AND tenant_id = $2',
    [versionId, tenantId],
  );
  return result.rows[0];
}

export interface PhoneRouteRow {
  id: string;
  tenant_id: string;
  phone_number: string;
  agent_id: string;
  rollout: RolloutPolicy;
}

export async function findPhoneRouteByNumber(db: Database, number: string): Promise<PhoneRouteRow | undefined> {
  const result = await db.query<PhoneRouteRow>(
    'SELECT id, tenant_id, phone_number, agent_id, rollout FROM phone_routes WHERE phone_number = $1',
    [number],
  );
  return result.rows[0];
}

export async function findPhoneRouteForAgent(
  db: Database,
  tenantId: string,
  agentId: string,
): Promise<PhoneRouteRow | undefined> {
  const result = await db.query<PhoneRouteRow>(
    `SELECT id, tenant_id, phone_number, agent_id, rollout FROM phone_routes
     WHERE tenant_id = $1 AND agent_id = $2 ORDER BY created_at LIMIT 1`,
    [tenantId, agentId],
  );
  return result.rows[0];
}

export async function findAgentByKey(
  db: Database,
  tenantId: string,
  agentKey: string,
): Promise<{ id: string } | undefined> {
  const result = await db.query<{ id: string }>('SELECT id FROM agents WHERE tenant_id = $1 AND key = $2', [
    tenantId,
    agentKey,
  ]);
  return result.rows[0];
}

export async function findLatestApprovedVersion(
  db: Database,
  tenantId: string,
  agentId: string,
): Promise<AgentVersionRow | undefined> {
  const result = await db.query<AgentVersionRow>(
    `SELECT id, tenant_id, agent_id, version, status, config FROM agent_versions
     WHERE tenant_id = $1 AND agent_id = $2 AND status = 'approved' ORDER BY version DESC LIMIT 1`,
    [tenantId, agentId],
  );
  return result.rows[0];
}
