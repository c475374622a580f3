/**
 * Test doubles for the product side of the phone simulator, on real sockets:
 * a webhook receiver that checks every signature with its own computation,
 * and a media bridge (a `ws` server) that records what the stream sends.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { z } from 'zod';

export interface ReceivedWebhook {
  path: string;
  url: string;
  params: Record<string, string>;
  signature: string;
  signatureValid: boolean;
  contentType: string;
}

type Responder = (webhook: ReceivedWebhook) => { status?: number; body?: string } | undefined;

/** The receiver's own signature check, independent of the simulator's code. */
export function signTwilioRequest(token: string, url: string, params: Record<string, string>) {
  const names = Object.keys(params).sort();
  const data = names.reduce((text, name) => text + name + (params[name] ?? ''), url);
  return createHmac('sha1', token).update(data).digest('base64');
}

export async function startWebhookReceiver(token: string) {
  const received: ReceivedWebhook[] = [];
  let respond: Responder = () => undefined;

  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const url = `http://127.0.0.1:${port}${request.url ?? '/'}`;
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = String(request.headers['x-twilio-signature'] ?? '');
      const webhook: ReceivedWebhook = {
        path: new URL(url).pathname,
        url,
        params,
        signature,
        signatureValid: signature === signTwilioRequest(token, url, params),
        contentType: String(request.headers['content-type'] ?? ''),
      };
      received.push(webhook);
      const answer = respond(webhook) ?? {};
      response.writeHead(answer.status ?? 200, { 'Content-Type': 'text/xml' });
      response.end(answer.body ?? '<Response/>');
    });
  });
  const port = await listen(server);

  return {
    received,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    onRequest(responder: Responder) {
      respond = responder;
    },
    byPath: (path: string) => received.filter((webhook) => webhook.path === path),
    close: () => closeServer(server),
  };
}

export interface BridgeConnection {
  signature: string;
  messages: StreamMessage[];
  closeCode: Promise<number>;
  waitFor(
    predicate: (message: StreamMessage) => boolean,
    timeoutMs?: number,
  ): Promise<StreamMessage>;
  send(message: object): void;
  close(): void;
  /** Drops the socket without a close handshake, as a crashed bridge does. */
  terminate(): void;
}

/** What the simulator sends; the schema is loose so tests can check any extra field. */
const streamMessageSchema = z.looseObject({
  event: z.string(),
  sequenceNumber: z.string().optional(),
  streamSid: z.string().optional(),
  start: z
    .looseObject({
      accountSid: z.string(),
      callSid: z.string(),
      streamSid: z.string(),
      tracks: z.array(z.string()),
      customParameters: z.record(z.string(), z.string()),
      mediaFormat: z.object({ encoding: z.string(), sampleRate: z.number(), channels: z.number() }),
    })
    .optional(),
  media: z
    .object({ track: z.string(), chunk: z.string(), timestamp: z.string(), payload: z.string() })
    .optional(),
  mark: z.object({ name: z.string() }).optional(),
  dtmf: z.object({ track: z.string(), digit: z.string() }).optional(),
  stop: z.object({ accountSid: z.string(), callSid: z.string() }).optional(),
});
export type StreamMessage = z.infer<typeof streamMessageSchema> & { receivedAtMs: number };

export async function startBridge(options: { refuseWithStatus?: number } = {}) {
  const server = createServer();
  const sockets = new WebSocketServer({ noServer: true });
  const waiting: ((connection: BridgeConnection) => void)[] = [];
  const accepted: BridgeConnection[] = [];

  server.on('upgrade', (request, socket, head) => {
    if (options.refuseWithStatus) {
      socket.end(`HTTP/1.1 ${options.refuseWithStatus} Refused\r\nConnection: close\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const connection = wrapSocket(ws, String(request.headers['x-twilio-signature'] ?? ''));
      const waiter = waiting.shift();
      if (waiter) waiter(connection);
      else accepted.push(connection);
    });
  });
  const port = await listen(server);

  return {
    url: `ws://127.0.0.1:${port}/media-stream`,
    nextConnection: (timeoutMs = 5_000) =>
      new Promise<BridgeConnection>((resolve, reject) => {
        const ready = accepted.shift();
        if (ready) return resolve(ready);
        const timer = setTimeout(() => reject(new Error('bridge: no stream connected')), timeoutMs);
        waiting.push((connection) => {
          clearTimeout(timer);
          resolve(connection);
        });
      }),
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await closeServer(server);
    },
  };
}

function wrapSocket(ws: WebSocket, signature: string): BridgeConnection {
  const messages: StreamMessage[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (data) => {
    const parsed = streamMessageSchema.parse(JSON.parse((data as Buffer).toString('utf8')));
    const message: StreamMessage = { ...parsed, receivedAtMs: performance.now() };
    messages.push(message);
    for (const listener of listeners) listener();
  });
  const closeCode = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));

  return {
    signature,
    messages,
    closeCode,
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`bridge: no matching message within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    send: (message) => ws.send(JSON.stringify(message)),
    close: () => ws.close(1000),
    terminate: () => ws.terminate(),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
