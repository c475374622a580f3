/** /api/v1/admin/credentials */
import { adminOperation } from '../operation.js';
import {
  createCredentialBody,
  credentialPage,
  credentialParams,
  credentialView,
  listCredentialsQuery,
  rotateCredentialBody,
} from './schemas.js';
import {
  createCredential,
  listCredentialPage,
  removeCredential,
  requireCredential,
  rotateCredential,
} from './service.js';

const tag = 'Credentials';

export const credentialOperations = [
  adminOperation({
    operationId: 'createCredential',
    method: 'post',
    path: '/credentials',
    tag,
    summary: 'Store a Twilio subaccount token or a tool webhook secret, sealed',
    body: createCredentialBody,
    success: { status: 201, description: 'The credential, masked.', schema: credentialView },
    errors: [400, 401, 403, 404, 409, 429],
    handle: ({ body, context }) => createCredential(context, body),
  }),
  adminOperation({
    operationId: 'listCredentials',
    method: 'get',
    path: '/credentials',
    tag,
    summary: 'List credentials, masked',
    query: listCredentialsQuery,
    success: { status: 200, description: 'A page of credentials.', schema: credentialPage },
    errors: [400, 401, 403, 429],
    handle: ({ query, context }) => listCredentialPage(context.db, query),
  }),
  adminOperation({
    operationId: 'getCredential',
    method: 'get',
    path: '/credentials/:credential_id',
    tag,
    summary: 'Read a credential, masked',
    params: credentialParams,
    success: { status: 200, description: 'The credential.', schema: credentialView },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, context }) => requireCredential(context.db, params.credential_id),
  }),
  adminOperation({
    operationId: 'rotateCredential',
    method: 'post',
    path: '/credentials/:credential_id/rotate',
    tag,
    summary: 'Replace the secret; it is sealed under the current master key',
    params: credentialParams,
    body: rotateCredentialBody,
    success: { status: 200, description: 'The credential, masked.', schema: credentialView },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, body, context }) =>
      rotateCredential(context, params.credential_id, body.secret),
  }),
  adminOperation({
    operationId: 'deleteCredential',
    method: 'delete',
    path: '/credentials/:credential_id',
    tag,
    summary: 'Delete a credential',
    params: credentialParams,
    success: { status: 204, description: 'Deleted.' },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, context }) => removeCredential(context, params.credential_id),
  }),
];
