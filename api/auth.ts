/** Tenant bearer-key authentication. Admin keys have their own middleware. */
import type { RequestHandler } from 'express';
import type { Database } from '../db/database.js';
import { touchApiKey } from '../db/api-keys.js';
import { findApiKeyByPrefix, findTenant } from '../db/tenants.js';
import { keyMatchesHash, parseApiKeyPrefix, type ApiKeyScope } from '../lib/api-keys.js';
import { ForbiddenError, UnauthenticatedError } from '../lib/errors.js';
import { limitTenantRequests } from './rate-limits.js';

export interface TenantPrincipal {
  tenantId: string;
  keyId: string;
  scopes: string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    tenant?: TenantPrincipal;
  }
}

export function tenantOf(request: { tenant?: TenantPrincipal }): TenantPrincipal {
  if (!request.tenant) throw new UnauthenticatedError();
  return request.tenant;
}

export function requireTenantKey(db: Database, scope: ApiKeyScope): RequestHandler {
  return (request, _response, next) => {
    authenticate().then(next, next);

    async function authenticate(): Promise<void> {
      if (request.header('x-admin-key'))
        throw new ForbiddenError('the admin key is not accepted on tenant routes');
      const header = request.header('authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) throw new UnauthenticatedError('send Authorization: Bearer <tenant key>');

      const key = match[1];
      const prefix = parseApiKeyPrefix(key);
      const row = prefix ? await findApiKeyByPrefix(db, prefix) : undefined;
      if (!row || !keyMatchesHash(key, row.key_hash))
        throw new UnauthenticatedError('unknown API key');
      if (row.revoked_at) throw new UnauthenticatedError('this API key was revoked');
      if (row.expires_at && row.expires_at.getTime() <= Date.now())
        throw new UnauthenticatedError('this API key expired');
      if (!row.scopes.includes(scope))
        throw new ForbiddenError(`this key lacks the ${scope} scope`);

      const tenant = await findTenant(db, row.tenant_id);
      if (!tenant || tenant.status !== 'active')
        throw new ForbiddenError('the tenant is suspended');
      limitTenantRequests(request, tenant.id, tenant.requests_per_minute);
      await touchApiKey(db, row.id);
      request.tenant = { tenantId: row.tenant_id, keyId: row.id, scopes: row.scopes };
    }
  };
}
