/**
 * One OpenAI Realtime connection, opened with the `openai` package's client.
 * Opening is bounded by a timeout, and every failure surfaces as one `closed`
 * callback with a reason, so a failing model ends its own call only (C11).
 */
import type OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';

export interface ModelConnection {
  send(event: Record<string, unknown>): void;
  close(): void;
  readonly isOpen: boolean;
}

export interface ModelConnectionHandlers {
  onEvent(event: unknown): void;
  /** The connection ended after opening; `closeReason` is the peer's close frame text. */
  onClosed(reason: string, code?: number, closeReason?: string): void;
}

export interface ModelConnector {
  open(model: string, handlers: ModelConnectionHandlers): Promise<ModelConnection>;
}

export function createModelConnector(openai: OpenAI, connectTimeoutMs: number): ModelConnector {
  return {
    open(model, handlers) {
      return new Promise((resolve, reject) => {
        let settled = false;
        let closedReported = false;
        // Base64 audio barely compresses: per-message deflate would only cost CPU and latency.
        const options = { handshakeTimeout: connectTimeoutMs, perMessageDeflate: false };
        const realtime = new OpenAIRealtimeWS({ model, options }, openai);
        const socket = realtime.socket;

        const reportClosed = (reason: string, code?: number, closeReason?: string) => {
          if (closedReported) return;
          closedReported = true;
          handlers.onClosed(reason, code, closeReason);
        };
        const fail = (reason: string) => {
          clearTimeout(timer);
          if (!settled) {
            // A connection that never opened is reported once, by the rejection.
            settled = true;
            closedReported = true;
            reject(new Error(reason));
          } else {
            reportClosed(reason);
          }
        };
        const timer = setTimeout(() => {
          fail('model connection timed out');
          socket.terminate();
        }, connectTimeoutMs);

        realtime.on('error', (error) => {
          // Protocol errors arrive as events too; socket-level ones end the connection.
          if (!error.error) fail(`model socket error: ${error.message}`);
        });
        realtime.on('event', (event) => handlers.onEvent(event));
        socket.on('unexpected-response', (_request, response) => {
          fail(`model refused the connection (${response.statusCode ?? 'unknown'})`);
          socket.terminate();
        });
        socket.on('close', (code, reasonBytes) => {
          clearTimeout(timer);
          if (!settled) {
            settled = true;
            closedReported = true;
            reject(new Error(`model connection closed (${code}) before opening`));
            return;
          }
          const closeReason = reasonBytes.toString('utf8').slice(0, 200);
          reportClosed(
            code === 1000 ? 'closed' : `model connection closed (${code})`,
            code,
            closeReason,
          );
        });
        socket.on('open', () => {
          clearTimeout(timer);
          settled = true;
          resolve({
            send: (event) => realtime.send(event as never),
            close: () => {
              closedReported = true;
              if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)
                socket.close(1000);
            },
            get isOpen() {
              return socket.readyState === socket.OPEN;
            },
          });
        });
      });
    },
  };
}
