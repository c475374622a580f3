/**
 * The platform admin key from configuration. Compared in constant time over
 * fixed-length digests, so neither the content nor the length of the
 * configured key leaks through response timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function adminKeyMatches(configuredKey: string, givenKey: string): boolean {
  return timingSafeEqual(digest(configuredKey), digest(givenKey));
}

/** A short, stable name for the admin key in audit entries; not enough to recover it. */
export function adminKeyFingerprint(key: string): string {
  return `admin:${digest(key).toString('hex').slice(0, 12)}`;
}
