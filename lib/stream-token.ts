/**
 * Per-call media stream tokens: an HMAC over the call id and an expiry, handed
 * to Twilio in a TwiML <Parameter> and checked by the bridge on `start` before
 * any model session is opened (case C05). Stateless, so any bridge instance
 * can check a token minted by any API instance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const DEFAULT_TTL_MS = 10 * 60_000;

export function mintStreamToken(
  secret: string,
  callId: string,
  nowMs = Date.now(),
  ttlMs = DEFAULT_TTL_MS,
): string {
  const expiresAt = Math.floor((nowMs + ttlMs) / 1_000);
  return `${expiresAt}.${sign(secret, callId, expiresAt)}`;
}

export function verifyStreamToken(
  secret: string,
  callId: string,
  token: string,
  nowMs = Date.now(),
): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt * 1_000 < nowMs) return false;
  const expected = Buffer.from(sign(secret, callId, expiresAt));
  const given = Buffer.from(match[2] ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function sign(secret: string, callId: string, expiresAt: number): string {
  return createHmac('sha256', secret).update(`${callId}.${expiresAt}`).digest('base64url');
}
