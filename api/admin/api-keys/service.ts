/**
 * Key lifecycle: issue (the key is returned once, a hash is kept), revoke, and
 * rotate with an overlap window in which the old and the new key both work.
 */
import {
  insertApiKeyRecord,
  listApiKeys,
  lockApiKey,
  retireApiKey,
  revokeApiKey,
  type ApiKeyRecord,
} from '../../../db/api-keys.js';
import type { Queryable } from '../../../db/database.js';
import { generateApiKey } from '../../../lib/api-keys.js';
import { BusinessRuleError, ConflictError, NotFoundError } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { recordAudit } from '../audit.js';
import type { GovernanceContext } from '../context.js';
import { requireTenant } from '../tenants/service.js';
import { presentApiKey, type ApiKeyView } from './schemas.js';

export interface NewApiKey {
  name: string;
  scopes: string[];
  expires_at?: string;
}

async function insertKey(
  client: Queryable,
  context: GovernanceContext,
  tenantId: string,
  input: { name: string; scopes: string[]; expiresAt: Date | null },
): Promise<{ row: ApiKeyRecord; key: string }> {
  const generated = generateApiKey();
  const row = await insertApiKeyRecord(client, {
    id: newId('key'),
    tenantId,
    name: input.name,
    prefix: generated.prefix,
    hash: generated.hash,
    scopes: input.scopes,
    expiresAt: input.expiresAt,
    createdBy: context.actor.name,
  });
  await recordAudit(client, context, {
    action: 'api_key.create',
    targetType: 'api_key',
    targetId: row.id,
    tenantId,
    before: null,
    after: presentApiKey(row),
  });
  return { row, key: generated.key };
}

export async function issueApiKey(
  context: GovernanceContext,
  tenantId: string,
  input: NewApiKey,
): Promise<ApiKeyView & { key: string }> {
  await requireTenant(context.db, tenantId);
  return context.db.transaction(async (client) => {
    const { row, key } = await insertKey(client, context, tenantId, {
      name: input.name,
      scopes: input.scopes,
      expiresAt: input.expires_at ? new Date(input.expires_at) : null,
    });
    return { ...presentApiKey(row), key };
  });
}

export async function listTenantApiKeys(
  db: Queryable,
  tenantId: string,
): Promise<{ data: ApiKeyView[] }> {
  await requireTenant(db, tenantId);
  const now = Date.now();
  return { data: (await listApiKeys(db, tenantId)).map((row) => presentApiKey(row, now)) };
}

export async function revokeTenantApiKey(
  context: GovernanceContext,
  tenantId: string,
  keyId: string,
  reason: string | undefined,
): Promise<ApiKeyView> {
  return context.db.transaction(async (client) => {
    const before = await lockApiKey(client, tenantId, keyId);
    if (!before) throw new NotFoundError('api key');
    const after = await revokeApiKey(client, keyId, context.actor.name, reason ?? null);
    await recordAudit(client, context, {
      action: 'api_key.revoke',
      targetType: 'api_key',
      targetId: keyId,
      tenantId,
      before: presentApiKey(before),
      after: presentApiKey(after),
    });
    return presentApiKey(after);
  });
}

/** A key that expired a year after issue is replaced by one that expires a year from now. */
function sameLifetimeFromNow(key: ApiKeyRecord): Date | null {
  if (!key.expires_at) return null;
  return new Date(Date.now() + (key.expires_at.getTime() - key.created_at.getTime()));
}

/** A new key with the old one's name and scopes; the old one stops working after the overlap. */
export async function rotateTenantApiKey(
  context: GovernanceContext,
  tenantId: string,
  keyId: string,
  overlapSeconds: number,
): Promise<ApiKeyView & { key: string }> {
  return context.db.transaction(async (client) => {
    const before = await lockApiKey(client, tenantId, keyId);
    if (!before) throw new NotFoundError('api key');
    const status = presentApiKey(before).status;
    if (status === 'revoked' || status === 'expired') {
      throw new BusinessRuleError('api_key_inactive', `a ${status} key cannot be rotated`);
    }
    if (before.replaced_by)
      throw new ConflictError(`this key was already rotated to ${before.replaced_by}`);

    const successor = await insertKey(client, context, tenantId, {
      name: before.name,
      scopes: before.scopes,
      expiresAt: sameLifetimeFromNow(before),
    });
    const retired = await retireApiKey(
      client,
      keyId,
      new Date(Date.now() + overlapSeconds * 1_000),
      successor.row.id,
    );
    await recordAudit(client, context, {
      action: 'api_key.rotate',
      targetType: 'api_key',
      targetId: keyId,
      tenantId,
      before: presentApiKey(before),
      after: presentApiKey(retired),
    });
    return { ...presentApiKey(successor.row), key: successor.key };
  });
}
