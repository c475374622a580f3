/**
 * The HTTPS and WSS front of the realtime model simulator: bearer checks,
 * fault injection on the WebSocket upgrade, the realtime socket and the
 * chat completions endpoint, on 127.0.0.1 only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';

import { demoScenario } from './demo-scenario.js';
import {
  answerChatCompletion,
  judgeDeterministically,
  openAiError,
  type EvaluationJudge,
  type HttpAnswer,
} from './evaluation.js';
import { ModelSession } from './model-session.js';
import type { ScenarioFactory } from './scenario.js';
import type { SessionRecord } from './session-record.js';

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 1_048_576;
const DEFAULT_FAULT_DELAY_MS = 1_000;
const REALTIME_PATH = '/v1/realtime';
const CHAT_PATH = '/v1/chat/completions';

export interface RealtimeSimulatorOptions {
  tls: { key: string; cert: string };
  /** Default 0 (any free port). */
  port?: number;
  /** When set, any other bearer key gets 401 on HTTP and on the upgrade. */
  apiKey?: string;
  scenario?: ScenarioFactory;
  judge?: EvaluationJudge;
}

/**
 * How the next connections fail: 403 on the upgrade; TCP and TLS up but the
 * upgrade never answered; a reset before any answer; accepted only after
 * `afterMs`; closed with 1011 `afterMs` after opening; or refused as a retired
 * (beta) API shape with the real API's error and close code 4000.
 */
export type FaultMode =
  'refuse-403' | 'hang' | 'reset' | 'accept-after-ms' | 'close-1011-after-ms' | 'close-4000-beta';

export interface RealtimeSimulator {
  /** `https://localhost:<port>/v1`, for `new OpenAI({ baseURL })`. */
  baseUrl: string;
  /** WebSocket upgrade requests seen, refused ones included. */
  readonly connectionAttempts: number;
  sessions: SessionRecord[];
  chatRequests: unknown[];
  setScenario(factory: ScenarioFactory): void;
  /**
   * Holds every chat completion answer (the evaluation's judge) until this
   * settles: a fault test kills the worker waiting for it meanwhile. Undefined
   * answers at once again.
   */
  holdChatCompletions(until: Promise<unknown> | undefined): void;
  /** The next `count` upgrades (default 1) fail this way; `afterMs` for the 1011 close. */
  failNextConnections(mode: FaultMode, count?: number, afterMs?: number): void;
  close(): Promise<void>;
}

export async function startRealtimeSimulator(
  options: RealtimeSimulatorOptions,
): Promise<RealtimeSimulator> {
  const judge = options.judge ?? judgeDeterministically;
  let scenario = options.scenario ?? demoScenario();
  let connectionAttempts = 0;
  const faults: Array<{ mode: FaultMode; afterMs: number }> = [];
  const sessions: SessionRecord[] = [];
  const liveSessions = new Set<ModelSession>();
  const chatRequests: unknown[] = [];
  let chatHold: Promise<unknown> | undefined;
  const heldSockets = new Set<Duplex>();
  const timers = new Set<NodeJS.Timeout>();
  const webSockets = new WebSocketServer({ noServer: true });

  const server = createServer(
    { key: options.tls.key, cert: options.tls.cert },
    (request, response) => {
      handleHttp(request, response).catch(() => {
        // A throwing custom judge must not take the simulator down.
        if (!response.headersSent) sendJson(response, openAiError(500, 'The simulator failed.'));
      });
    },
  );

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isAuthorized(request, options.apiKey)) return sendJson(response, unauthorized());
    const path = new URL(request.url ?? '/', 'https://localhost').pathname;
    if (request.method !== 'POST' || path !== CHAT_PATH) {
      return sendJson(response, openAiError(404, `Invalid URL (${request.method} ${path})`));
    }

    const text = await readBody(request);
    if (text === undefined) return sendJson(response, openAiError(413, 'Request body too large.'));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      chatRequests.push(text);
      return sendJson(
        response,
        openAiError(400, 'We could not parse the JSON body of your request.'),
      );
    }
    chatRequests.push(body);
    const answer = answerChatCompletion(body, judge);
    if (chatHold) await chatHold.catch(() => undefined);
    // The asking process may have died while the answer was held.
    if (!response.destroyed) sendJson(response, answer);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    connectionAttempts += 1;
    // Node drops its own error listener on upgrade; a peer reset must not crash the process.
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'https://localhost');
    if (!isAuthorized(request, options.apiKey)) return refuseUpgrade(socket, unauthorized());
    if (url.pathname !== REALTIME_PATH) {
      return refuseUpgrade(socket, openAiError(404, `Invalid URL (GET ${url.pathname})`));
    }

    const fault = faults.shift();
    if (fault?.mode === 'refuse-403') {
      return refuseUpgrade(socket, openAiError(403, 'Forbidden (simulated fault).', 'forbidden'));
    }
    if (fault?.mode === 'reset') {
      socket.destroy();
      return;
    }
    if (fault?.mode === 'accept-after-ms') {
      heldSockets.add(socket);
      const timer = setTimeout(() => {
        timers.delete(timer);
        heldSockets.delete(socket);
        if (socket.destroyed) return;
        acceptSession(request, socket, head, url, undefined);
      }, fault.afterMs);
      timers.add(timer);
      return;
    }
    if (fault?.mode === 'hang') {
      // TCP and TLS are up, the HTTP upgrade is never answered: the client's own timer must fire.
      heldSockets.add(socket);
      socket.on('close', () => heldSockets.delete(socket));
      return;
    }

    acceptSession(request, socket, head, url, fault);
  });

  function acceptSession(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: URL,
    fault: { mode: FaultMode; afterMs: number } | undefined,
  ): void {
    webSockets.handleUpgrade(request, socket, head, (webSocket) => {
      const session = new ModelSession(webSocket, url.searchParams.get('model'), scenario);
      sessions.push(session.record);
      liveSessions.add(session);
      webSocket.on('close', () => liveSessions.delete(session));
      if (fault?.mode === 'close-4000-beta') session.refuseRetiredShape();
      if (fault?.mode === 'close-1011-after-ms') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          session.close(1011, 'Internal server error');
        }, fault.afterMs);
        timers.add(timer);
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `https://localhost:${port}/v1`,
    get connectionAttempts() {
      return connectionAttempts;
    },
    sessions,
    chatRequests,
    setScenario(factory) {
      scenario = factory;
    },
    holdChatCompletions(until) {
      chatHold = until;
    },
    failNextConnections(mode, count = 1, afterMs = DEFAULT_FAULT_DELAY_MS) {
      for (let i = 0; i < count; i += 1) faults.push({ mode, afterMs });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const session of liveSessions) session.close(1001, 'Simulator shutting down');
      for (const webSocket of webSockets.clients) webSocket.terminate();
      for (const socket of heldSockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function isAuthorized(request: IncomingMessage, apiKey: string | undefined): boolean {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  if (!match) return false;
  return apiKey === undefined || match[1] === apiKey;
}

function unauthorized(): HttpAnswer {
  return openAiError(401, 'Incorrect API key provided.', 'invalid_api_key');
}

function sendJson(response: ServerResponse, answer: HttpAnswer): void {
  const text = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function refuseUpgrade(socket: Duplex, answer: HttpAnswer): void {
  const text = JSON.stringify(answer.body);
  const head =
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(text)}\r\n` +
    'Connection: close\r\n\r\n';
  socket.end(head + text);
}

/** The body as text, or undefined past the size limit. */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString('utf8') : undefined);
    });
    request.on('error', reject);
  });
}
