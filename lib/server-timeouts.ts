/**
 * Deliberate timeouts for our HTTP servers (api and media bridge), so a slow
 * or stalled client holds a socket for a bounded time: headers that trickle
 * in (slowloris) or an upgrade that never finishes end at headersTimeout, a
 * trickled body at requestTimeout (both answered 408 and closed by Node), an
 * idle keep-alive connection at keepAliveTimeout.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { HttpTimeouts } from './config.js';

/**
 * Node enforces headersTimeout and requestTimeout from a periodic sweep (30 s by
 * default), so a deadline can be overrun by the whole interval; one second keeps
 * them honest for the price of one walk over the open connections a second.
 */
export const CONNECTION_CHECK_INTERVAL_MS = 1_000;

/** A server whose deadline sweep runs every CONNECTION_CHECK_INTERVAL_MS; timeouts follow. */
export function createBoundedServer(listener?: RequestListener): Server {
  const server = createServer({ connectionsCheckingInterval: CONNECTION_CHECK_INTERVAL_MS });
  if (listener) server.on('request', listener);
  return server;
}

/** Sets the configured timeouts; the sweep reads them each time, so they apply at once. */
export function applyServerTimeouts(server: Server, timeouts: HttpTimeouts): void {
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
}
