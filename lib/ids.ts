/** Opaque, prefixed identifiers: the prefix tells a reader what an id names. */
import { randomBytes } from 'node:crypto';

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
