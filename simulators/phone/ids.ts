import { randomBytes } from 'node:crypto';

/** Twilio sids are a two-letter type prefix and 32 lowercase hex digits. */
export function createSid(prefix: 'CA' | 'MZ'): string {
  return prefix + randomBytes(16).toString('hex');
}
