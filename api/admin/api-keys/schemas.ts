/** Tenant API keys as the admin API shows them: never the hash, the key itself only once. */
import { z } from 'zod';
import type { ApiKeyRecord } from '../../../db/api-keys.js';
import { API_KEY_SCOPES } from '../../../lib/api-keys.js';
import { iso, resourceId, timestamp } from '../common.js';

const MAX_OVERLAP_SEC = 7 * 24 * 3_600;

export const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100).default('default'),
    scopes: z
      .array(z.enum(API_KEY_SCOPES))
      .min(1)
      .refine((scopes) => new Set(scopes).size === scopes.length, 'each scope once'),
    expires_at: z.iso
      .datetime({ offset: true })
      .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
      .optional(),
  })
  .strict()
  .meta({ id: 'CreateApiKey' });

export const rotateApiKeyBody = z
  .object({
    overlap_seconds: z
      .int()
      .min(0)
      .max(MAX_OVERLAP_SEC)
      .default(3_600)
      .meta({ description: 'How long the old key keeps working beside the new one.' }),
  })
  .strict()
  .meta({ id: 'RotateApiKey' });

export const revokeApiKeyBody = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .strict()
  .meta({ id: 'RevokeApiKey' });

export const tenantKeysParams = z.object({ tenant_id: resourceId });
export const apiKeyParams = z.object({ tenant_id: resourceId, key_id: resourceId });

export const apiKeyView = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    name: z.string(),
    prefix: z
      .string()
      .meta({ description: 'The visible part: keys look like ssv_<prefix>_<secret>.' }),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    status: z.enum(['active', 'rotating', 'expired', 'revoked']),
    expires_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
    revoked_by: z.string().nullable(),
    revoke_reason: z.string().nullable(),
    replaced_by: z.string().nullable(),
    last_used_at: timestamp.nullable(),
    created_by: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'ApiKey' });

export const issuedApiKeyView = apiKeyView
  .extend({
    key: z
      .string()
      .meta({ description: 'The key itself. Shown in this answer only; store it now.' }),
  })
  .meta({ id: 'IssuedApiKey' });

export const apiKeyList = z.object({ data: z.array(apiKeyView) }).meta({ id: 'ApiKeyList' });

export type ApiKeyView = z.output<typeof apiKeyView>;

function statusOf(row: ApiKeyRecord, now: number): ApiKeyView['status'] {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at && row.expires_at.getTime() <= now) return 'expired';
  if (row.replaced_by) return 'rotating';
  return 'active';
}

export function presentApiKey(row: ApiKeyRecord, now = Date.now()): ApiKeyView {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as ApiKeyView['scopes'],
    status: statusOf(row, now),
    expires_at: iso(row.expires_at),
    revoked_at: iso(row.revoked_at),
    revoked_by: row.revoked_by,
    revoke_reason: row.revoke_reason,
    replaced_by: row.replaced_by,
    last_used_at: iso(row.last_used_at),
    created_by: row.created_by,
    created_at: iso(row.created_at) ?? '',
  };
}
