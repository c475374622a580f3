/**
 * A model connector over plain ws, for the benchmark's comparison run only
 * (`--model-transport=plain`): the product always reaches the model with the
 * `openai` client over TLS. Same contract as media/model-connection.ts.
 */
import WebSocket from 'ws';
import type { ModelConnector } from '../media/model-connection.js';

export function createPlainModelConnector(url: string): ModelConnector {
  return {
    open: (model, handlers) =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(`${url}?model=${encodeURIComponent(model)}`);
        let opened = false;
        socket.on('message', (data) => handlers.onEvent(JSON.parse(data.toString())));
        socket.on('error', (error) => {
          if (!opened) reject(error);
        });
        socket.on('close', (code, reason) => {
          if (opened)
            handlers.onClosed(`model connection closed (${code})`, code, reason.toString());
        });
        socket.on('open', () => {
          opened = true;
          resolve({
            send: (event) => socket.send(JSON.stringify(event)),
            close: () => socket.close(1000),
            get isOpen() {
              return socket.readyState === WebSocket.OPEN;
            },
          });
        });
      }),
  };
}
