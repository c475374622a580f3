/**
 * The admin key guard. Admin routes do not exist (404) unless ADMIN_API_KEY
 * is configured; a tenant key on them is refused (403), never tried.
 */
import type { RequestHandler } from 'express';
import { adminKeyFingerprint, adminKeyMatches } from '../../lib/admin-key.js';
import { ForbiddenError, UnauthenticatedError } from '../../lib/errors.js';
import { errorBody } from '../http.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The fingerprint of the admin key that authenticated this request. */
    adminKey?: string;
  }
}

export function requireAdminKey(adminApiKey: string | undefined): RequestHandler {
  const fingerprint = adminApiKey ? adminKeyFingerprint(adminApiKey) : undefined;

  return (request, response, next) => {
    if (!adminApiKey || !fingerprint) {
      // The same answer as any unknown path: nothing tells a prober the admin API exists.
      response.status(404).json(errorBody('not_found', 'no such route', request.requestId));
      return;
    }
    if (request.header('authorization')) {
      next(new ForbiddenError('tenant keys are not accepted on admin routes'));
      return;
    }
    const given = request.header('x-admin-key');
    if (!given) {
      next(new UnauthenticatedError('send x-admin-key: <admin key>'));
      return;
    }
    if (!adminKeyMatches(adminApiKey, given)) {
      next(new UnauthenticatedError('unknown admin key'));
      return;
    }
    request.adminKey = fingerprint;
    next();
  };
}
