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

export interface CredentialRecord extends CredentialRow {
  created_at: Date;
  rotated_at: Date | null;
}

export async function insertCredential(
  db: Queryable,
  credential: Omit<CredentialRow, 'tenant_id'> & { tenantId: string },
): Promise<CredentialRecord> {
  const result = await db.query<CredentialRecord>(
    `INSERT INTO credentials (id, tenant_id, kind, name, ciphertext, key_id, masked)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
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
  return result.rows[0] as CredentialRecord;
}

export async function lockCredential(
  db: Queryable,
  credentialId: string,
): Promise<CredentialRecord | undefined> {
  const result = await db.query<CredentialRecord>(
    'SELECT * FROM credentials WHERE id = $1 FOR UPDATE',
    [credentialId],
  );
  return result.rows[0];
}

export async function findCredentialById(
  db: Queryable,
  credentialId: string,
): Promise<CredentialRecord | undefined> {
  const result = await db.query<CredentialRecord>('SELECT * FROM credentials WHERE id = $1', [
    credentialId,
  ]);
  return result.rows[0];
}

export async function listCredentials(
  db: Queryable,
  filter: { tenantId?: string; kind?: string; limit: number; after?: string },
): Promise<CredentialRecord[]> {
  const result = await db.query<CredentialRecord>(
    `SELECT * FROM credentials
     WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR kind = $2)
       AND ($4::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM credentials WHERE id = $4))
     ORDER BY created_at, id LIMIT $3`,
    [filter.tenantId ?? null, filter.kind ?? null, filter.limit, filter.after ?? null],
  );
  return result.rows;
}

export async function resealCredential(
  db: Queryable,
  credentialId: string,
  sealed: { ciphertext: string; key_id: string; masked: string },
): Promise<CredentialRecord> {
  const result = await db.query<CredentialRecord>(
    `UPDATE credentials SET ciphertext = $2, key_id = $3, masked = $4, rotated_at = now()
     WHERE id = $1 RETURNING *`,
    [credentialId, sealed.ciphertext, sealed.key_id, sealed.masked],
  );
  return result.rows[0] as CredentialRecord;
}

export async function deleteCredential(db: Queryable, credentialId: string): Promise<void> {
  await db.query('DELETE FROM credentials WHERE id = $1', [credentialId]);
}

/** A Twilio subaccount's sealed auth token, found by the AccountSid Twilio posts. */
export async function findTwilioCredential(
  db: Queryable,
  accountSid: string,
): Promise<CredentialRow | undefined> {
  const result = await db.query<CredentialRow>(
    `SELECT * FROM credentials WHERE kind = 'twilio' AND name = $1`,
    [accountSid],
  );
  return result.rows[0];
}
