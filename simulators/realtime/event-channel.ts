/** The server-to-client side of one connection: adds event ids and records what went out. */
import type { WebSocket } from 'ws';

import { createId } from './ids.js';
import type { ServerEvent } from './response-run.js';
import type { SessionRecord } from './session-record.js';

export interface ErrorDetails {
  code: string;
  message: string;
  param?: string | null;
  /** The client event that caused the error, when it carried an id. */
  eventId?: string | null | undefined;
  type?: 'invalid_request_error' | 'server_error';
}

export class EventChannel {
  constructor(
    private readonly socket: WebSocket,
    private readonly record: SessionRecord,
  ) {}

  send(event: ServerEvent): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const { type, ...fields } = event;
    this.record.serverEventTypes.push(type);
    this.socket.send(JSON.stringify({ type, event_id: createId('event'), ...fields }));
  }

  /** An `error` event; the session stays open, as with the real API. */
  sendError(details: ErrorDetails): void {
    const { code, message, param = null, eventId = null, type = 'invalid_request_error' } = details;
    this.record.errors.push({ code, message });
    this.send({ type: 'error', error: { type, code, message, param, event_id: eventId } });
  }
}
