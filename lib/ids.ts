/** Opaque, prefixed identifiers: the prefix tells a reader what an id names. */
import { createHash, randomBytes } from 'node:crypto';

export type IdPrefix =
  | 'call'
  | 'ten'
  | 'key'
  | 'agt'
  | 'ver'
  | 'route'
  | 'eval'
  | 'req'
  | 'cred'
  | 'evt'
  | 'cbt'
  | 'queue'
  | 'brg'
  | 'vs';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/**
 * The id of a call a tenant asked for with an Idempotency-Key: the same tenant, key and request
 * always name the same call, so a retry after an unclear failure (its workflow started, the answer
 * lost) joins that call's workflow instead of starting a second one.
 */
export function idempotentCallId(tenantId: string, key: string, requestHash: string): string {
  const digest = createHash('sha256')
    .update(`${tenantId}\u0000${key}\u0000${requestHash}`)
    .digest();
  return `call_${digest.subarray(0, 12).toString('base64url')}`;
}
