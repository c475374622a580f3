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
  requests_per_minute: number;
  created_at: Date;
  updated_at: Date;
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

export async function findApiKeyByPrefix(
  db: Database,
  prefix: string,
): Promise<ApiKeyRow | undefined> {
  const result = await db.query<ApiKeyRow>(
    'SELECT id, tenant_id, prefix, key_hash, scopes, expires_at, revoked_at FROM api_keys WHERE prefix = $1',
    [prefix],
  );
  return result.rows[0];
}

export async function findTenant(db: Queryable, tenantId: string): Promise<TenantRow | undefined> {
  const result = await db.query<TenantRow>('SELECT * FROM tenants WHERE id = $1', [tenantId]);
  return result.rows[0];
}

export interface TenantLimits {
  max_concurrent_calls: number;
  calls_per_minute: number;
  requests_per_minute: number;
}

export async function insertTenant(
  db: Queryable,
  tenant: { id: string; name: string } & Partial<TenantLimits>,
): Promise<TenantRow> {
  const result = await db.query<TenantRow>(
    `INSERT INTO tenants (id, name, max_concurrent_calls, calls_per_minute, requests_per_minute)
     VALUES ($1, $2, COALESCE($3, 10), COALESCE($4, 60), COALESCE($5, 600)) RETURNING *`,
    [
      tenant.id,
      tenant.name,
      tenant.max_concurrent_calls ?? null,
      tenant.calls_per_minute ?? null,
      tenant.requests_per_minute ?? null,
    ],
  );
  return result.rows[0] as TenantRow;
}

export async function lockTenant(db: Queryable, tenantId: string): Promise<TenantRow | undefined> {
  const result = await db.query<TenantRow>('SELECT * FROM tenants WHERE id = $1 FOR UPDATE', [
    tenantId,
  ]);
  return result.rows[0];
}

export async function updateTenant(
  db: Queryable,
  tenantId: string,
  changes: Partial<Pick<TenantRow, 'name' | 'status'> & TenantLimits>,
): Promise<TenantRow> {
  const result = await db.query<TenantRow>(
    `UPDATE tenants SET name = COALESCE($2, name), status = COALESCE($3, status),
       max_concurrent_calls = COALESCE($4, max_concurrent_calls),
       calls_per_minute = COALESCE($5, calls_per_minute),
       requests_per_minute = COALESCE($6, requests_per_minute), updated_at = now()
     WHERE id = $1 RETURNING *`,
    [
      tenantId,
      changes.name ?? null,
      changes.status ?? null,
      changes.max_concurrent_calls ?? null,
      changes.calls_per_minute ?? null,
      changes.requests_per_minute ?? null,
    ],
  );
  return result.rows[0] as TenantRow;
}

export async function listTenants(
  db: Queryable,
  page: { limit: number; after?: string },
): Promise<TenantRow[]> {
  const result = await db.query<TenantRow>(
    `SELECT * FROM tenants
     WHERE $2::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM tenants WHERE id = $2)
     ORDER BY created_at, id LIMIT $1`,
    [page.limit, page.after ?? null],
  );
  return result.rows;
}

export async function insertApiKey(
  db: Queryable,
  key: {
    id: string;
    tenantId: string;
    prefix: string;
    hash: string;
    scopes: string[];
    name?: string;
  },
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

export async function findPhoneRouteByNumber(
  db: Database,
  number: string,
): Promise<PhoneRouteRow | undefined> {
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
  const result = await db.query<{ id: string }>(
    'SELECT id FROM agents WHERE tenant_id = $1 AND key = $2',
    [tenantId, agentKey],
  );
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
