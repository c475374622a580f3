/** SQL for tenant API keys as the admin API manages them. The hash never leaves this module's callers. */
import type { Queryable } from './database.js';

export interface ApiKeyRecord {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  last_used_at: Date | null;
  created_at: Date;
  created_by: string | null;
  replaced_by: string | null;
}

export interface NewApiKey {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string[];
  expiresAt: Date | null;
  createdBy: string;
}

export async function insertApiKeyRecord(db: Queryable, key: NewApiKey): Promise<ApiKeyRecord> {
  const result = await db.query<ApiKeyRecord>(
    `INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, scopes, expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      key.id,
      key.tenantId,
      key.name,
      key.prefix,
      key.hash,
      key.scopes,
      key.expiresAt,
      key.createdBy,
    ],
  );
  return result.rows[0] as ApiKeyRecord;
}

export async function listApiKeys(db: Queryable, tenantId: string): Promise<ApiKeyRecord[]> {
  const result = await db.query<ApiKeyRecord>(
    'SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id',
    [tenantId],
  );
  return result.rows;
}

export async function lockApiKey(
  db: Queryable,
  tenantId: string,
  keyId: string,
): Promise<ApiKeyRecord | undefined> {
  const result = await db.query<ApiKeyRecord>(
    'SELECT * FROM api_keys WHERE id = $1 AND tenant_id = $2 FOR UPDATE',
    [keyId, tenantId],
  );
  return result.rows[0];
}

export async function revokeApiKey(
  db: Queryable,
  keyId: string,
  revokedBy: string,
  reason: string | null,
): Promise<ApiKeyRecord> {
  const result = await db.query<ApiKeyRecord>(
    `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()), revoked_by = COALESCE(revoked_by, $2),
       revoke_reason = COALESCE(revoke_reason, $3)
     WHERE id = $1 RETURNING *`,
    [keyId, revokedBy, reason],
  );
  return result.rows[0] as ApiKeyRecord;
}

/** Ends an old key's life at `expiresAt` (never later than it already ends) and names its successor. */
export async function retireApiKey(
  db: Queryable,
  keyId: string,
  expiresAt: Date,
  replacedBy: string,
): Promise<ApiKeyRecord> {
  const result = await db.query<ApiKeyRecord>(
    `UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $2), $2), replaced_by = $3
     WHERE id = $1 RETURNING *`,
    [keyId, expiresAt, replacedBy],
  );
  return result.rows[0] as ApiKeyRecord;
}

/** At most one write a minute per key, so reading `last_used_at` costs little. */
export async function touchApiKey(db: Queryable, keyId: string): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now()
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [keyId],
  );
}
