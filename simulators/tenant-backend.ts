/**
 * A tenant's backend as our tool webhooks see it: it checks the signature the
 * way the README tells tenants to, and answers the demo's order lookups. Each
 * idempotency key is answered once and replayed after, as a careful tenant would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { SIGNATURE_HEADER, verifyWebhook } from '../lib/webhook-signature.js';

export interface ToolRequestRecord {
  tool: string;
  idempotencyKey: string;
  arguments: unknown;
  signatureValid: boolean;
}

export interface TenantBackend {
  url: string;
  requests: ToolRequestRecord[];
  /** Distinct side effects performed (one per idempotency key). */
  sideEffects: number;
  close(): Promise<void>;
}

const toolRequest = z.object({
  tool: z.string(),
  call_id: z.string(),
  tool_call_id: z.string(),
  arguments: z.record(z.string(), z.unknown()),
});

const MAX_BODY_BYTES = 64 * 1_024;

export async function startTenantBackend(secret: string, port = 0): Promise<TenantBackend> {
  const requests: ToolRequestRecord[] = [];
  const answered = new Map<string, string>();

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const signatureValid = verifyWebhook(secret, raw, request.headers[SIGNATURE_HEADER] as string | undefined);
      const idempotencyKey = String(request.headers['idempotency-key'] ?? '');
      let parsed: z.infer<typeof toolRequest> | undefined;
      try {
        parsed = toolRequest.parse(JSON.parse(raw));
      } catch {
        parsed = undefined;
      }
      requests.push({ tool: parsed?.tool ?? 'unknown', idempotencyKey, arguments: parsed?.arguments, signatureValid });

      if (!signatureValid) return void response.writeHead(401).end('{"error":"bad signature"}');
      if (!parsed) return void response.writeHead(400).end('{"error":"bad request"}');

      const replay = answered.get(idempotencyKey);
      const body =
        replay ??
        JSON.stringify({ order_id: parsed.arguments.order_id ?? null, status: 'shipped', eta: 'Tuesday' });
      answered.set(idempotencyKey, body);
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    get sideEffects() {
      return answered.size;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
