/**
 * A tenant's backend as our tool webhooks see it: it checks the signature the
 * way the README tells tenants to, and answers the demo's order lookups. Each
 * idempotency key is answered once and replayed after, as a careful tenant would.
 * Tests can script other tools' answers (status, body, delay, failures first).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { SIGNATURE_HEADER, verifyWebhook } from '../lib/webhook-signature.js';

export interface ToolRequestRecord {
  tool: string;
  /** Our call id, from the request body. */
  callId: string | null;
  idempotencyKey: string;
  arguments: unknown;
  signatureValid: boolean;
  /** The signature's timestamp (unix seconds), when the header parsed. */
  signedAtSec: number | null;
  /** Present for the identity verification tool only. */
  keypadEntry?: string;
  /** When the request arrived (Date.now()). */
  receivedAtMs: number;
}

/** How the backend answers one tool (by the tool name in the request). */
export interface ToolBehaviour {
  /** Answer status; default 200. */
  status?: number;
  /** Answer body: JSON-encoded unless a string; or built from the request. */
  body?: unknown;
  /** Wait this long before answering (to trip the webhook's timeout). */
  delayMs?: number;
  /** Answer 503 to this many requests before behaving as above. */
  failFirst?: number;
  /**
   * Hold each answer until this settles (then `delayMs`): a fault test kills the
   * worker that sent the request meanwhile. The side effect is already done.
   */
  hold?: Promise<unknown>;
}

export interface TenantBackend {
  url: string;
  requests: ToolRequestRecord[];
  /** Distinct side effects performed (one per idempotency key). */
  sideEffects: number;
  /** Distinct side effects performed for one call (idempotency keys `<call id>:...`). */
  sideEffectsOf(callId: string): number;
  setTool(name: string, behaviour: ToolBehaviour): void;
  close(): Promise<void>;
}

const toolRequest = z.object({
  tool: z.string(),
  call_id: z.string(),
  tool_call_id: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  keypad_entry: z.string().optional(),
});

const MAX_BODY_BYTES = 64 * 1_024;

function orderLookup(request: { arguments: Record<string, unknown> }) {
  return { order_id: request.arguments.order_id ?? null, status: 'shipped', eta: 'Tuesday' };
}

export async function startTenantBackend(secret: string, port = 0): Promise<TenantBackend> {
  const requests: ToolRequestRecord[] = [];
  const answered = new Map<string, string>();
  const behaviours = new Map<string, ToolBehaviour>();
  const failures = new Map<string, number>();

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
      const header = request.headers[SIGNATURE_HEADER] as string | undefined;
      const signatureValid = verifyWebhook(secret, raw, header);
      const idempotencyKey = String(request.headers['idempotency-key'] ?? '');
      let parsed: z.infer<typeof toolRequest> | undefined;
      try {
        parsed = toolRequest.parse(JSON.parse(raw));
      } catch {
        parsed = undefined;
      }
      const signedAt = /^t=(\d+),/.exec(header ?? '')?.[1];
      requests.push({
        tool: parsed?.tool ?? 'unknown',
        callId: parsed?.call_id ?? null,
        idempotencyKey,
        arguments: parsed?.arguments,
        signatureValid,
        signedAtSec: signedAt ? Number(signedAt) : null,
        receivedAtMs: Date.now(),
        ...(parsed?.keypad_entry !== undefined ? { keypadEntry: parsed.keypad_entry } : {}),
      });

      if (!signatureValid) return void response.writeHead(401).end('{"error":"bad signature"}');
      if (!parsed) return void response.writeHead(400).end('{"error":"bad request"}');

      const behaviour = behaviours.get(parsed.tool) ?? {};
      const failed = failures.get(parsed.tool) ?? 0;
      if (failed < (behaviour.failFirst ?? 0)) {
        failures.set(parsed.tool, failed + 1);
        return void response.writeHead(503).end('{"error":"try again"}');
      }

      const replay = answered.get(idempotencyKey);
      const context = { arguments: parsed.arguments, keypadEntry: parsed.keypad_entry };
      const made =
        typeof behaviour.body === 'function'
          ? behaviour.body(context)
          : (behaviour.body ?? orderLookup(context));
      const body = replay ?? (typeof made === 'string' ? made : JSON.stringify(made));
      const status = behaviour.status ?? 200;
      if (status < 300) answered.set(idempotencyKey, body);
      const send = () => {
        if (!response.destroyed)
          response.writeHead(status, { 'content-type': 'application/json' }).end(body);
      };
      const answer = () => {
        if (behaviour.delayMs) setTimeout(send, behaviour.delayMs);
        else send();
      };
      if (behaviour.hold) void behaviour.hold.then(answer, answer);
      else answer();
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
    sideEffectsOf: (callId) =>
      [...answered.keys()].filter((key) => key.startsWith(`${callId}:`)).length,
    setTool: (name, behaviour) => {
      behaviours.set(name, behaviour);
      failures.delete(name);
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
