/**
 * The conversation's items as the client edits them: function call outputs,
 * truncation of agent audio at what the caller heard, and deletion.
 */
import type { ClientEventOf } from './client-events.js';
import type { EventChannel } from './event-channel.js';
import { createId } from './ids.js';
import type { SessionRecord } from './session-record.js';

const MULAW_BYTES_PER_MS = 8;

export class Conversation {
  private readonly itemIds: string[] = [];

  constructor(
    private readonly events: EventChannel,
    private readonly record: SessionRecord,
    private readonly onFunctionOutput: (callId: string, output: string) => void,
  ) {}

  /** Adds an item at the end; returns the id of the item before it. */
  appendItem(itemId: string): string | null {
    const previous = this.itemIds.at(-1) ?? null;
    this.itemIds.push(itemId);
    return previous;
  }

  createItem(event: ClientEventOf<'conversation.item.create'>): void {
    const item = event.item;
    const isOutput = item.type === 'function_call_output';
    if (isOutput && !this.record.functionCalls.some((call) => call.callId === item.call_id)) {
      const message = `Tool call ID '${item.call_id}' not found in conversation.`;
      return this.refuse(event.event_id, message, 'item.call_id');
    }

    const itemId = item.id ?? createId('item');
    const stored = { ...item, id: itemId, object: 'realtime.item', status: 'completed' };
    const previous_item_id = this.appendItem(itemId);
    this.events.send({ type: 'conversation.item.added', previous_item_id, item: stored });
    this.events.send({ type: 'conversation.item.done', previous_item_id, item: stored });

    if (item.type !== 'function_call_output') return;
    this.record.functionOutputs.push({ callId: item.call_id, output: item.output });
    this.onFunctionOutput(item.call_id, item.output);
  }

  /** Only audio actually sent for the item can be truncated, as the real API insists. */
  truncateItem(event: ClientEventOf<'conversation.item.truncate'>): void {
    const { item_id, content_index, audio_end_ms } = event;
    const sentBytes = this.record.agentAudioBytesByItem[item_id];
    if (sentBytes === undefined) {
      const message = `Item '${item_id}' is not an assistant audio item of this conversation.`;
      return this.refuse(event.event_id, message, 'item_id');
    }
    const sentMs = sentBytes / MULAW_BYTES_PER_MS;
    if (audio_end_ms > sentMs) {
      const message = `Audio content of ${sentMs}ms is already shorter than ${audio_end_ms}ms`;
      return this.refuse(event.event_id, message, 'audio_end_ms');
    }

    this.record.truncations.push({ itemId: item_id, audioEndMs: audio_end_ms });
    this.events.send({ type: 'conversation.item.truncated', item_id, content_index, audio_end_ms });
  }

  deleteItem(event: ClientEventOf<'conversation.item.delete'>): void {
    const position = this.itemIds.indexOf(event.item_id);
    if (position < 0) {
      return this.refuse(
        event.event_id,
        `Item with item_id '${event.item_id}' not found.`,
        'item_id',
      );
    }
    this.itemIds.splice(position, 1);
    this.events.send({ type: 'conversation.item.deleted', item_id: event.item_id });
  }

  private refuse(eventId: string | undefined, message: string, param: string): void {
    this.events.sendError({ code: 'invalid_value', message, param, eventId });
  }
}
