/** SQL for sealed credentials. Only ciphertext and a masked hint are stored. */
import type { Database, Queryable } from './database.js';

export interface CredentialRow {
  id: string;
  tenant_id: string;
  kind: string;
  name: string;
  ciphertext: string;
  key_id: string;
  masked: string;
}

export async function findCredential(
  db: Database,
  tenantId: string,
  kind: string,
  name: string,
): Promise<CredentialRow | undefined> {
  const result = await db.query<CredentialRow>(
    'SELECT * FROM credentials WHERE tenant_id = $1 AND kind = $2 AND name = $3',
    [tenantId, kind, name],
  );
  return result.rows[0];
}

export async function upsertCredential(
  db: Queryable,
  credential: Omit<CredentialRow, 'tenant_id'> & { tenantId: string },
): Promise<void> {
  await db.query(
    `INSERT INTO credentials (id, tenant_id, kind, name, ciphertext, key_id, masked)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, kind, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext,
       key_id = EXCLUDED.key_id, masked = EXCLUDED.masked, rotated_at = now()`,
    [
      credential.id,
      credential.tenantId,
      credential.kind,
      credential.name,
      credential.ciphertext,
      credential.key_id,
      credential.masked,
    ],
  );
}
