/** /api/v1/admin/tenants */
import { adminOperation } from '../operation.js';
import { changeTenant, createTenant, listTenantPage, requireTenant } from './service.js';
import {
  createTenantBody,
  listTenantsQuery,
  tenantPage,
  tenantParams,
  tenantView,
  updateTenantBody,
} from './schemas.js';

const tag = 'Tenants';

export const tenantOperations = [
  adminOperation({
    operationId: 'createTenant',
    method: 'post',
    path: '/tenants',
    tag,
    summary: 'Create a tenant with its limits',
    body: createTenantBody,
    success: { status: 201, description: 'The tenant.', schema: tenantView },
    errors: [400, 401, 403, 429],
    handle: ({ body, context }) => createTenant(context, body),
  }),
  adminOperation({
    operationId: 'listTenants',
    method: 'get',
    path: '/tenants',
    tag,
    summary: 'List tenants, oldest first',
    query: listTenantsQuery,
    success: { status: 200, description: 'A page of tenants.', schema: tenantPage },
    errors: [400, 401, 403, 429],
    handle: ({ query, context }) => listTenantPage(context.db, query),
  }),
  adminOperation({
    operationId: 'getTenant',
    method: 'get',
    path: '/tenants/:tenant_id',
    tag,
    summary: 'Read a tenant',
    params: tenantParams,
    success: { status: 200, description: 'The tenant.', schema: tenantView },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, context }) => requireTenant(context.db, params.tenant_id),
  }),
  adminOperation({
    operationId: 'updateTenant',
    method: 'patch',
    path: '/tenants/:tenant_id',
    tag,
    summary: 'Rename a tenant, change its limits, suspend or reactivate it',
    params: tenantParams,
    body: updateTenantBody,
    success: { status: 200, description: 'The tenant after the change.', schema: tenantView },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, body, context }) => changeTenant(context, params.tenant_id, body),
  }),
];
