/** Identifiers shaped like the real API's (`event_…`, `item_…`, `resp_…`, `call_…`). */
import { randomBytes } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 20;

export function createId(prefix: string): string {
  const bytes = randomBytes(ID_LENGTH);
  let suffix = '';
  for (const byte of bytes) suffix += ID_ALPHABET[byte % ID_ALPHABET.length];
  return `${prefix}_${suffix}`;
}
