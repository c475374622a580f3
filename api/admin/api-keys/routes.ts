/** /api/v1/admin/tenants/{tenant_id}/api-keys */
import { adminOperation } from '../operation.js';
import {
  apiKeyList,
  apiKeyParams,
  apiKeyView,
  createApiKeyBody,
  issuedApiKeyView,
  revokeApiKeyBody,
  rotateApiKeyBody,
  tenantKeysParams,
} from './schemas.js';
import {
  issueApiKey,
  listTenantApiKeys,
  revokeTenantApiKey,
  rotateTenantApiKey,
} from './service.js';

const tag = 'API keys';

export const apiKeyOperations = [
  adminOperation({
    operationId: 'createApiKey',
    method: 'post',
    path: '/tenants/:tenant_id/api-keys',
    tag,
    summary: 'Issue a tenant API key (shown once)',
    params: tenantKeysParams,
    body: createApiKeyBody,
    success: {
      status: 201,
      description: 'The key, with its secret this once.',
      schema: issuedApiKeyView,
    },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, body, context }) => issueApiKey(context, params.tenant_id, body),
  }),
  adminOperation({
    operationId: 'listApiKeys',
    method: 'get',
    path: '/tenants/:tenant_id/api-keys',
    tag,
    summary: "List a tenant's keys (prefixes only)",
    params: tenantKeysParams,
    success: { status: 200, description: "The tenant's keys.", schema: apiKeyList },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, context }) => listTenantApiKeys(context.db, params.tenant_id),
  }),
  adminOperation({
    operationId: 'revokeApiKey',
    method: 'post',
    path: '/tenants/:tenant_id/api-keys/:key_id/revoke',
    tag,
    summary: 'Revoke a key at once',
    params: apiKeyParams,
    body: revokeApiKeyBody,
    success: { status: 200, description: 'The revoked key.', schema: apiKeyView },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, body, context }) =>
      revokeTenantApiKey(context, params.tenant_id, params.key_id, body.reason),
  }),
  adminOperation({
    operationId: 'rotateApiKey',
    method: 'post',
    path: '/tenants/:tenant_id/api-keys/:key_id/rotate',
    tag,
    summary: 'Rotate a key: a new key now, the old one until the overlap ends',
    params: apiKeyParams,
    body: rotateApiKeyBody,
    success: {
      status: 201,
      description: 'The new key, with its secret this once.',
      schema: issuedApiKeyView,
    },
    errors: [400, 401, 403, 404, 409, 422, 429],
    handle: ({ params, body, context }) =>
      rotateTenantApiKey(context, params.tenant_id, params.key_id, body.overlap_seconds),
  }),
];
