/** Schemas for every client event the simulator accepts, in the GA shapes. */
import { z } from 'zod';

import { sessionSchema } from './session-config.js';

const eventId = z.string().optional();

const functionCallOutputItemSchema = z.looseObject({
  type: z.literal('function_call_output'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  output: z.string(),
});

/** Messages and other items the simulator stores without interpreting. */
const otherItemSchema = z.looseObject({
  type: z.enum(['message', 'function_call']),
  id: z.string().optional(),
});

export const clientEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('session.update'), event_id: eventId, session: sessionSchema }),
  z.strictObject({
    type: z.literal('input_audio_buffer.append'),
    event_id: eventId,
    audio: z.base64(),
  }),
  z.strictObject({ type: z.literal('input_audio_buffer.commit'), event_id: eventId }),
  z.strictObject({ type: z.literal('input_audio_buffer.clear'), event_id: eventId }),
  z.strictObject({
    type: z.literal('conversation.item.create'),
    event_id: eventId,
    previous_item_id: z.string().nullable().optional(),
    item: z.union([functionCallOutputItemSchema, otherItemSchema]),
  }),
  z.strictObject({
    type: z.literal('conversation.item.truncate'),
    event_id: eventId,
    item_id: z.string().min(1),
    content_index: z.number().int().min(0),
    audio_end_ms: z.number().int().min(0),
  }),
  z.strictObject({
    type: z.literal('conversation.item.delete'),
    event_id: eventId,
    item_id: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('response.create'),
    event_id: eventId,
    response: z.looseObject({ instructions: z.string().optional() }).optional(),
  }),
  z.strictObject({
    type: z.literal('response.cancel'),
    event_id: eventId,
    response_id: z.string().optional(),
  }),
]);

export type ClientEvent = z.infer<typeof clientEventSchema>;
export type ClientEventOf<T extends ClientEvent['type']> = Extract<ClientEvent, { type: T }>;

/** Only the envelope, to name the event in an error when the body is invalid. */
export const eventEnvelopeSchema = z.looseObject({
  type: z.string().optional(),
  event_id: z.string().optional(),
});

export type ParsedClientMessage =
  | { ok: true; event: ClientEvent }
  | { ok: false; code: string; message: string; param: string | null; eventId: string | null };

const KNOWN_EVENT_TYPES = new Set<string>(
  clientEventSchema.options.map((option) => option.shape.type.value),
);

export function parseClientMessage(text: string): ParsedClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse('invalid_json', 'The event is not valid JSON.', null, null);
  }

  const envelope = eventEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    return refuse('invalid_value', 'The event must be a JSON object.', null, null);
  }
  const { type, event_id: eventIdValue = null } = envelope.data;
  if (type === undefined || !KNOWN_EVENT_TYPES.has(type)) {
    const supported = [...KNOWN_EVENT_TYPES].join(', ');
    const message = `Invalid value: '${String(type)}'. Supported values are: ${supported}.`;
    return refuse('invalid_value', message, 'type', eventIdValue);
  }

  const parsed = clientEventSchema.safeParse(json);
  if (parsed.success) return { ok: true, event: parsed.data };
  return describeIssue(json, parsed.error.issues[0], type, eventIdValue);
}

function describeIssue(
  json: unknown,
  issue: z.core.$ZodIssue | undefined,
  type: string,
  eventIdValue: string | null,
) {
  const path = issue?.path.join('.') ?? '';
  if (issue?.code === 'unrecognized_keys') {
    const param = [path, issue.keys[0]].filter(Boolean).join('.');
    return refuse('unknown_parameter', `Unknown parameter: '${param}'.`, param, eventIdValue);
  }
  if (issue && readPath(json, issue.path) === undefined) {
    return refuse(
      'missing_required_parameter',
      `Missing required parameter: '${path}'.`,
      path,
      eventIdValue,
    );
  }
  const message = `Invalid '${type}' event at '${path}': ${issue?.message ?? 'bad shape'}.`;
  return refuse('invalid_value', message, path || null, eventIdValue);
}

function refuse(code: string, message: string, param: string | null, eventId: string | null) {
  return { ok: false as const, code, message, param, eventId };
}

function readPath(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = Reflect.get(value, key);
  }
  return value;
}
