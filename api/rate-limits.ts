/**
 * Request rates: per client address on everything but Twilio's webhooks,
 * health and metrics; per tenant once a tenant key is recognised. Counted in
 * this process (see lib/rate-window.ts); over the limit is 429 + Retry-After.
 */
import type { Request, RequestHandler } from 'express';
import { RateLimitError } from '../lib/errors.js';
import { RequestWindow } from '../lib/rate-window.js';

export interface RequestLimits {
  perAddressPerMinute: number;
  byAddress: RequestWindow;
  byTenant: RequestWindow;
}

declare module 'express-serve-static-core' {
  interface Request {
    requestLimits?: RequestLimits;
  }
}

const UNLIMITED_PATHS = /^\/(health|metrics)(\/|$)/;

export function createRequestLimits(perAddressPerMinute: number): RequestLimits {
  return { perAddressPerMinute, byAddress: new RequestWindow(), byTenant: new RequestWindow() };
}

export function limitRequestsPerAddress(limits: RequestLimits): RequestHandler {
  return (request, _response, next) => {
    request.requestLimits = limits;
    if (UNLIMITED_PATHS.test(request.path)) {
      next();
      return;
    }
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const decision = limits.byAddress.take(address, limits.perAddressPerMinute);
    if (!decision.allowed) {
      next(new RateLimitError('too many requests from this address', decision.retryAfterSec));
      return;
    }
    next();
  };
}

/** Called by tenant authentication once it knows the tenant and its budget. */
export function limitTenantRequests(request: Request, tenantId: string, perMinute: number): void {
  const decision = request.requestLimits?.byTenant.take(tenantId, perMinute);
  if (decision && !decision.allowed) {
    throw new RateLimitError('too many requests for this tenant', decision.retryAfterSec);
  }
}
