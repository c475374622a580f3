/**
 * The media bridge's HTTP server. Twilio's WebSocket upgrade is checked before
 * anything is opened: the signature over the stream URL as configured (wss
 * scheme, public host), else 403 and no socket (C05).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { timingSafeEqual } from 'node:crypto';
import { createBoundedServer } from '../lib/server-timeouts.js';
import { throttledWarning } from '../lib/throttled-warning.js';
import { isMetricsRequest, writeMetrics } from '../lib/metrics.js';
import { computeSignature } from '../lib/twilio-signature.js';
import { CallSession, type CallSessionDependencies } from './call-session.js';
import { createBridgeMetrics, type BridgeMetrics } from './metrics.js';

export interface MediaServerOptions extends CallSessionDependencies {
  /** A server already listening (so its port is known before configuration); one is made when absent. */
  server?: Server;
  /** The stream URL Twilio is given, e.g. wss://voice.example.com/media-stream. */
  streamUrl: string;
  authToken: () => string;
  /** Largest message accepted from Twilio (larger closes with 1009); a 20 ms frame is under 1 KiB. */
  maxMessageBytes?: number;
}

export interface MediaServer {
  server: Server;
  sessions: Set<CallSession>;
  metrics: BridgeMetrics;
  close(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1_024;

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function signatureMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createMediaServer(options: MediaServerOptions): MediaServer {
  const streamUrl = new URL(options.streamUrl);
  const streamOrigin = `${streamUrl.protocol}//${streamUrl.host}`;
  const sessions = new Set<CallSession>();
  const metrics = options.metrics ?? createBridgeMetrics();
  const sessionDependencies = { ...options, metrics };
  let allSessionsClosed: (() => void) | undefined;
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  });

  const server = options.server ?? createBoundedServer();
  const warnRefusedUpgrade = throttledWarning(
    options.logger,
    'media stream upgrade refused: bad signature',
  );
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/health/live') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (isMetricsRequest(request)) {
      void writeMetrics(metrics.registry, response);
      return;
    }
    response.writeHead(404).end();
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    if (path !== streamUrl.pathname) {
      refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    const expected = computeSignature(options.authToken(), `${streamOrigin}${request.url ?? ''}`);
    const given = request.headers['x-twilio-signature'];
    if (!signatureMatches(expected, Array.isArray(given) ? given[0] : given)) {
      warnRefusedUpgrade();
      refuseUpgrade(socket, 403, 'Forbidden');
      return;
    }

    sockets.handleUpgrade(request, socket, head, (twilio) => {
      const session = new CallSession(twilio, sessionDependencies);
      sessions.add(session);
      metrics.activeStreams.inc();
      twilio.on('message', (data, isBinary) => {
        if (isBinary) {
          session.handleBinaryMessage();
          return;
        }
        const text = Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.concat(data as Buffer[]).toString('utf8');
        metrics.timeFrame('twilio_to_model', () => session.handleTwilioMessage(text));
      });
      twilio.on('error', (error) =>
        options.logger.warn({ err: error.message }, 'twilio socket error'),
      );
      twilio.on('close', () => {
        session.handleTwilioClosed();
        sessions.delete(session);
        metrics.activeStreams.dec();
        if (sessions.size === 0) allSessionsClosed?.();
      });
    });
  });

  return {
    server,
    sessions,
    metrics,
    // Settles once the server is closed and every session has seen its socket close (and ended).
    close: async () => {
      const sessionsClosed = new Promise<void>((resolve) => {
        allSessionsClosed = resolve;
        if (sessions.size === 0) resolve();
      });
      await new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sessionsClosed;
    },
  };
}
