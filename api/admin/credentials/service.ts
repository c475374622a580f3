/**
 * Credential lifecycle. Secrets are sealed with AES-256-GCM under the master
 * key (its id stored beside the ciphertext); only a masked hint is ever shown,
 * in answers and in the audit log alike.
 */
import type { Queryable } from '../../../db/database.js';
import {
  deleteCredential,
  findCredentialById,
  insertCredential,
  listCredentials,
  lockCredential,
  resealCredential,
  type CredentialRecord,
} from '../../../db/credentials.js';
import { ConflictError, NotFoundError } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { maskSecret } from '../../../lib/redact.js';
import type { SecretBox } from '../../../lib/secret-box.js';
import { recordAudit } from '../audit.js';
import { pageOf } from '../common.js';
import type { GovernanceContext } from '../context.js';
import { requireTenant } from '../tenants/service.js';
import { presentCredential, type CreateCredentialBody, type CredentialView } from './schemas.js';

const UNIQUE_VIOLATION = '23505';

function seal(secrets: SecretBox, secret: string) {
  return { ciphertext: secrets.seal(secret), key_id: secrets.keyId, masked: maskSecret(secret) };
}

export async function createCredential(
  context: GovernanceContext,
  input: CreateCredentialBody,
): Promise<CredentialView> {
  await requireTenant(context.db, input.tenant_id);
  const [name, secret] =
    input.kind === 'twilio' ? [input.account_sid, input.auth_token] : [input.name, input.secret];
  try {
    return await context.db.transaction(async (client) => {
      const row = await insertCredential(client, {
        id: newId('cred'),
        tenantId: input.tenant_id,
        kind: input.kind,
        name,
        ...seal(context.secrets, secret),
      });
      const view = presentCredential(row);
      await recordAudit(client, context, {
        action: 'credential.create',
        targetType: 'credential',
        targetId: row.id,
        tenantId: row.tenant_id,
        before: null,
        after: view,
      });
      return view;
    });
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new ConflictError(`a ${input.kind} credential named ${name} already exists`);
    }
    throw error;
  }
}

async function lockOrThrow(client: Queryable, credentialId: string): Promise<CredentialRecord> {
  const row = await lockCredential(client, credentialId);
  if (!row) throw new NotFoundError('credential');
  return row;
}

export async function rotateCredential(
  context: GovernanceContext,
  credentialId: string,
  secret: string,
): Promise<CredentialView> {
  return context.db.transaction(async (client) => {
    const before = await lockOrThrow(client, credentialId);
    const after = presentCredential(
      await resealCredential(client, credentialId, seal(context.secrets, secret)),
    );
    await recordAudit(client, context, {
      action: 'credential.rotate',
      targetType: 'credential',
      targetId: credentialId,
      tenantId: before.tenant_id,
      before: presentCredential(before),
      after,
    });
    return after;
  });
}

export async function removeCredential(
  context: GovernanceContext,
  credentialId: string,
): Promise<void> {
  await context.db.transaction(async (client) => {
    const before = await lockOrThrow(client, credentialId);
    await deleteCredential(client, credentialId);
    await recordAudit(client, context, {
      action: 'credential.delete',
      targetType: 'credential',
      targetId: credentialId,
      tenantId: before.tenant_id,
      before: presentCredential(before),
      after: null,
    });
  });
}

export async function requireCredential(
  db: Queryable,
  credentialId: string,
): Promise<CredentialView> {
  const row = await findCredentialById(db, credentialId);
  if (!row) throw new NotFoundError('credential');
  return presentCredential(row);
}

export async function listCredentialPage(
  db: Queryable,
  query: { tenant_id?: string; kind?: string; limit: number; cursor?: string },
) {
  const rows = await listCredentials(db, {
    tenantId: query.tenant_id,
    kind: query.kind,
    limit: query.limit,
    after: query.cursor,
  });
  return pageOf(rows, query.limit, presentCredential, (row) => row.id);
}
