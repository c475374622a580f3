/**
 * What one model connection saw and did, as plain data for tests to assert on.
 * Audio payloads are never kept: appends are counted in bytes instead.
 */
import type { ClientEvent } from './client-events.js';
import type { SessionConfig } from './session-config.js';

export interface ClientEventRecord {
  type: string;
  eventId?: string;
  /** Decoded bytes of an `input_audio_buffer.append`. */
  audioBytes?: number;
  itemId?: string;
  itemType?: string;
  callId?: string;
  audioEndMs?: number;
  instructions?: string;
  /** The text of a user message item (`input_text` parts). */
  text?: string;
  /** For response.create and conversation.item.create: whether a response was in progress. */
  duringResponse?: boolean;
  session?: SessionConfig;
  /** Set when the event was refused as unparseable or unknown. */
  invalid?: true;
}

export interface UtteranceRecord {
  /** Zero-based, counting earlier caller turns: utterance k is transcribed as callerLines[k]. */
  index: number;
  itemId: string;
  audioStartMs: number;
  audioEndMs: number;
  transcript: string;
}

export interface SessionRecord {
  id: string;
  /** The `model` query parameter of the connection URL. */
  model: string | null;
  clientEvents: ClientEventRecord[];
  serverEventTypes: string[];
  /** The merged session after each accepted `session.update`. */
  sessionConfigs: SessionConfig[];
  utterances: UtteranceRecord[];
  /** Caller messages the client created before any audio: the turns of an earlier session. */
  earlierCallerTurns: number;
  truncations: Array<{ itemId: string; audioEndMs: number }>;
  functionCalls: Array<{ callId: string; name: string; arguments: string }>;
  functionOutputs: Array<{ callId: string; output: string }>;
  responseCreateCount: number;
  responses: Array<{ id: string; status: string; reason?: string }>;
  errors: Array<{ code: string; message: string }>;
  appendedAudioBytes: number;
  /** Agent audio bytes sent, by assistant item id (8 bytes per millisecond). */
  agentAudioBytesByItem: Record<string, number>;
  closeCode: number | null;
}

export function createSessionRecord(id: string, model: string | null): SessionRecord {
  return {
    id,
    model,
    clientEvents: [],
    serverEventTypes: [],
    sessionConfigs: [],
    utterances: [],
    earlierCallerTurns: 0,
    truncations: [],
    functionCalls: [],
    functionOutputs: [],
    responseCreateCount: 0,
    responses: [],
    errors: [],
    appendedAudioBytes: 0,
    agentAudioBytesByItem: {},
    closeCode: null,
  };
}

/** The key fields of a client event, without audio. */
export function summarizeClientEvent(event: ClientEvent): ClientEventRecord {
  const base = event.event_id
    ? { type: event.type, eventId: event.event_id }
    : { type: event.type };
  switch (event.type) {
    case 'session.update':
      return { ...base, session: event.session };
    case 'input_audio_buffer.append':
      return { ...base, audioBytes: Buffer.byteLength(event.audio, 'base64') };
    case 'conversation.item.create':
      return {
        ...base,
        itemType: event.item.type,
        ...messageText(event.item),
        ...(event.item.id ? { itemId: event.item.id } : {}),
        ...('call_id' in event.item && typeof event.item.call_id === 'string'
          ? { callId: event.item.call_id }
          : {}),
      };
    case 'conversation.item.truncate':
      return { ...base, itemId: event.item_id, audioEndMs: event.audio_end_ms };
    case 'conversation.item.delete':
      return { ...base, itemId: event.item_id };
    case 'response.create':
      return event.response?.instructions
        ? { ...base, instructions: event.response.instructions }
        : base;
    default:
      return base;
  }
}

function messageText(item: { type: string } & Record<string, unknown>): { text?: string } {
  if (item.type !== 'message' || !Array.isArray(item.content)) return {};
  const parts = item.content as Array<{ type?: unknown; text?: unknown }>;
  const text = parts.flatMap((part) =>
    part.type === 'input_text' && typeof part.text === 'string' ? [part.text] : [],
  );
  return text.length > 0 ? { text: text.join(' ') } : {};
}
