/**
 * Credentials: a Twilio subaccount's auth token, or a tenant's tool webhook
 * signing secret. Written here, sealed at rest, never read back whole.
 */
import { z } from 'zod';
import type { CredentialRecord } from '../../../db/credentials.js';
import { iso, page, pageQuery, resourceId, timestamp } from '../common.js';

const secretText = z.string().min(16, 'at least 16 characters').max(512);

export const createCredentialBody = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('twilio'),
        tenant_id: resourceId,
        account_sid: z.string().regex(/^AC[0-9a-f]{32}$/, 'must look like AC followed by 32 hex'),
        auth_token: secretText.meta({
          description: "The subaccount's auth token. Never returned.",
        }),
      })
      .strict(),
    z
      .object({
        kind: z.literal('tool_webhook'),
        tenant_id: resourceId,
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
          .default('default'),
        secret: secretText.meta({ description: 'Signs tool webhook requests. Never returned.' }),
      })
      .strict(),
  ])
  .meta({ id: 'CreateCredential' });

export type CreateCredentialBody = z.output<typeof createCredentialBody>;

export const rotateCredentialBody = z
  .object({
    secret: secretText.meta({ description: 'The new secret (for twilio, the new auth token).' }),
  })
  .strict()
  .meta({ id: 'RotateCredential' });

/** What the credentials table holds: the two kinds written here, and tenants' event webhook secrets. */
const credentialKind = z.enum(['twilio', 'tool_webhook', 'notification_webhook']).meta({
  description:
    '`notification_webhook` is the secret a tenant sets with PUT /api/v1/notifications/endpoint.',
});

export const credentialParams = z.object({ credential_id: resourceId });
export const listCredentialsQuery = z.object({
  tenant_id: resourceId.optional(),
  kind: credentialKind.optional(),
  ...pageQuery,
});

export const credentialView = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    kind: credentialKind,
    name: z.string().meta({ description: 'The AccountSid for twilio; a name for the others.' }),
    masked: z.string().meta({ description: 'The first characters only.', example: 'whse********' }),
    key_id: z.string().meta({ description: 'The master key that sealed it.' }),
    created_at: timestamp,
    rotated_at: timestamp.nullable(),
  })
  .meta({ id: 'Credential' });

export const credentialPage = page(credentialView).meta({ id: 'CredentialPage' });

export type CredentialView = z.output<typeof credentialView>;

export function presentCredential(row: CredentialRecord): CredentialView {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    kind: credentialKind.parse(row.kind),
    name: row.name,
    masked: row.masked,
    key_id: row.key_id,
    created_at: iso(row.created_at) ?? '',
    rotated_at: iso(row.rotated_at),
  };
}
