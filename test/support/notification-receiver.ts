/**
 * A tenant's webhook receiver, as a tenant would write it from the README's
 * recipe, with node:crypto only (not the product's own verifier): read the
 * raw body, split `X-StateSet-Signature` into t and v1, recompute
 * HMAC-SHA256(secret, `${t}.${rawBody}`) as hex, compare in constant time,
 * refuse timestamps older than five minutes, then dedupe on the event id.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface ReceivedRequest {
  eventId: string | undefined;
  rawBody: string;
  signatureValid: boolean;
  answeredStatus: number;
}

export interface NotificationReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Events accepted once each (a duplicate id is acknowledged but not counted again). */
  accepted: Map<string, unknown>;
  /** The next `count` valid requests are answered with `status` (a tenant outage). */
  failNext(count: number, status?: number): void;
  /** Every valid request fails until `heal()`. */
  failAll(status?: number): void;
  heal(): void;
  close(): Promise<void>;
}

const TOLERANCE_SEC = 300;

export function verifyAsTenant(
  secret: string,
  rawBody: string,
  header: string | undefined,
): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((part) => part.split('=', 2)));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || typeof parts.v1 !== 'string') return false;
  if (Math.abs(Date.now() / 1_000 - timestamp) > TOLERANCE_SEC) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startNotificationReceiver(secret: string): Promise<NotificationReceiver> {
  const requests: ReceivedRequest[] = [];
  const accepted = new Map<string, unknown>();
  let failures = 0;
  let failing = false;
  let failureStatus = 503;

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const signatureValid = verifyAsTenant(
        secret,
        rawBody,
        request.headers['x-stateset-signature'] as string | undefined,
      );
      const eventId = request.headers['x-stateset-event-id'] as string | undefined;
      let status = 200;
      if (!signatureValid) status = 401;
      else if (failing || failures > 0) {
        failures = Math.max(0, failures - 1);
        status = failureStatus;
      } else {
        const event = JSON.parse(rawBody) as { id: string };
        if (!accepted.has(event.id)) accepted.set(event.id, event);
      }
      requests.push({ eventId, rawBody, signatureValid, answeredStatus: status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}/stateset-events`,
    requests,
    accepted,
    failNext(count, status = 503) {
      failures = count;
      failureStatus = status;
    },
    failAll(status = 503) {
      failing = true;
      failureStatus = status;
    },
    heal() {
      failing = false;
      failures = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
