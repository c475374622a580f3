/**
 * Per-call media stream tokens: an HMAC over the call id, the stream's place
 * in the call and an expiry, handed to Twilio in a TwiML <Parameter> and
 * checked by the bridge on `start` before any model session is opened (case
 * C05). Stateless, so any bridge instance can check a token minted by any API
 * instance. A call's first stream is stream 1; each stream that replaces a
 * lost one (bridge failover) gets the next number, so a token of an earlier
 * stream never opens a later one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const DEFAULT_TTL_MS = 10 * 60_000;

export interface StreamTokenOptions {
  /** Which stream of the call: 1 for the first, then one more per replacement. */
  stream?: number;
  nowMs?: number;
  ttlMs?: number;
}

export function mintStreamToken(
  secret: string,
  callId: string,
  { stream = 1, nowMs = Date.now(), ttlMs = DEFAULT_TTL_MS }: StreamTokenOptions = {},
): string {
  const expiresAt = Math.floor((nowMs + ttlMs) / 1_000);
  return `${expiresAt}.${sign(secret, subject(callId, stream), expiresAt)}`;
}

export function verifyStreamToken(
  secret: string,
  callId: string,
  token: string,
  { stream = 1, nowMs = Date.now() }: Omit<StreamTokenOptions, 'ttlMs'> = {},
): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt * 1_000 < nowMs) return false;
  const expected = Buffer.from(sign(secret, subject(callId, stream), expiresAt));
  const given = Buffer.from(match[2] ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The first stream signs the call id alone, as tokens did before failover. */
function subject(callId: string, stream: number): string {
  return stream === 1 ? callId : `${callId}#${stream}`;
}

function sign(secret: string, signed: string, expiresAt: number): string {
  return createHmac('sha256', secret).update(`${signed}.${expiresAt}`).digest('base64url');
}
