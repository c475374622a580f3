/**
 * Signatures on the requests we send to tenants (tool webhooks, notifications):
 * `X-StateSet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * A receiver recomputes it over the raw body and rejects stale timestamps.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-stateset-signature';
const DEFAULT_TOLERANCE_SEC = 300;

export function signWebhook(secret: string, rawBody: string, nowMs = Date.now()): string {
  const timestamp = Math.floor(nowMs / 1_000);
  const digest = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

export function verifyWebhook(
  secret: string,
  rawBody: string,
  header: string | undefined,
  nowMs = Date.now(),
  toleranceSec = DEFAULT_TOLERANCE_SEC,
): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(nowMs / 1_000 - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex'),
  );
  const given = Buffer.from(match[2] ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
