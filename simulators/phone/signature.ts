/**
 * Twilio's request signature: base64(HMAC-SHA1(auth token, url + every
 * parameter name followed by its value, names sorted, a repeated name's
 * values sorted)), over the URL exactly as it is requested.
 */
import { createHmac } from 'node:crypto';

export type SignedParams = Record<string, string | readonly string[]>;

export function computeTwilioSignature(authToken: string, url: string, params: SignedParams = {}) {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name] ?? '';
    const values = typeof value === 'string' ? [value] : [...value].sort();
    for (const item of values) data += name + item;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}
