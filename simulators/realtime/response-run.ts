/**
 * One model response played out on the wire: spoken items as audio and
 * transcript deltas, function calls as argument events, then `response.done`.
 * Audio goes out ten times faster than real time, as the real API roughly
 * does, so most of an answer is sent before the caller has heard it.
 */
import { synthesizeTone } from '../audio.js';
import { createId } from './ids.js';
import type { ResponseItemPlan, ResponsePlan } from './scenario.js';

/** 100 ms of 8 kHz mu-law per delta. */
export const AUDIO_CHUNK_BYTES = 800;
/** Delay between deltas: 100 ms of audio every 10 ms. */
export const AUDIO_CHUNK_INTERVAL_MS = 10;
const SPEECH_MS_PER_CHARACTER = 70;
const MIN_SPEECH_MS = 400;

export type ServerEvent = { type: string } & Record<string, unknown>;
export type ResponseStatus = 'completed' | 'cancelled' | 'failed';
export type CancelReason = 'turn_detected' | 'client_cancelled';

/** What a run needs from its connection. */
export interface ResponseHost {
  send(event: ServerEvent): void;
  /** Adds an item to the conversation; returns the id of the item before it. */
  appendItem(itemId: string): string | null;
  recordAudio(itemId: string, bytes: number): void;
  recordFunctionCall(call: { callId: string; name: string; arguments: string }): void;
  finish(run: ResponseRun, status: ResponseStatus, reason?: CancelReason): void;
}

interface SpokenItem {
  itemId: string;
  outputIndex: number;
  audio: Buffer;
  sentBytes: number;
  words: string[];
  sentWords: number;
}

type OutputItem = { id: string; type: string } & Record<string, unknown>;

export class ResponseRun {
  readonly id = createId('resp');
  private readonly output: OutputItem[] = [];
  private speaking: SpokenItem | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly host: ResponseHost,
    private readonly plan: ResponsePlan,
    private readonly voice: unknown,
  ) {}

  start(): void {
    this.host.send({ type: 'response.created', response: this.describe('in_progress') });
    this.play().catch(() => {
      // A plan the simulator cannot play (unserializable arguments) fails like a model error.
      if (!this.finished) this.complete('failed');
    });
  }

  /** Ends the response now as the real API does: open items incomplete, then `response.done`. */
  cancel(reason: CancelReason): void {
    if (this.finished) return;
    clearTimeout(this.timer);
    const spoken = this.speaking;
    if (spoken) {
      if (reason === 'turn_detected' && this.plan.extraDeltaAfterSpeechStart) {
        this.sendAudioChunk(spoken);
      }
      this.endSpokenItem(spoken, 'incomplete');
    }
    this.complete('cancelled', reason);
  }

  /** Stops sending without any further events (the socket is gone). */
  abandon(): void {
    clearTimeout(this.timer);
    this.finished = true;
  }

  private async play(): Promise<void> {
    for (const [outputIndex, item] of this.plan.items.entries()) {
      await this.wait(AUDIO_CHUNK_INTERVAL_MS);
      if (this.finished) return;
      if ('say' in item) await this.speak(item, outputIndex);
      else this.callFunction(item, outputIndex);
      if (this.finished) return;
    }
    this.complete('completed');
  }

  private async speak(item: { say: string; durationMs?: number }, outputIndex: number) {
    const durationMs =
      item.durationMs ?? Math.max(MIN_SPEECH_MS, item.say.length * SPEECH_MS_PER_CHARACTER);
    const spoken: SpokenItem = {
      itemId: createId('item'),
      outputIndex,
      audio: synthesizeTone(durationMs),
      sentBytes: 0,
      words: item.say.split(/(?<= )/),
      sentWords: 0,
    };
    const messageItem = { id: spoken.itemId, type: 'message', role: 'assistant', content: [] };
    this.beginItem(messageItem, outputIndex);
    this.host.send({
      ...this.partEvent('response.content_part.added', spoken),
      part: { type: 'audio', transcript: '' },
    });
    this.speaking = spoken;

    // Paced on the clock, not on the ticks: a timer that fires late (a busy machine) is caught
    // up with more chunks, so the audio still runs ten times ahead of real time.
    const startedAtMs = performance.now();
    const intervalMs = this.plan.audioChunkIntervalMs ?? AUDIO_CHUNK_INTERVAL_MS;
    while (spoken.sentBytes < spoken.audio.length) {
      const chunksDue = Math.floor((performance.now() - startedAtMs) / intervalMs) + 1;
      do this.sendAudioChunk(spoken);
      while (spoken.sentBytes < Math.min(chunksDue * AUDIO_CHUNK_BYTES, spoken.audio.length));
      await this.wait(intervalMs);
      if (this.finished) return;
    }
    this.endSpokenItem(spoken, 'completed');
  }

  private sendAudioChunk(spoken: SpokenItem): void {
    if (spoken.sentBytes >= spoken.audio.length) return;
    const chunk = spoken.audio.subarray(spoken.sentBytes, spoken.sentBytes + AUDIO_CHUNK_BYTES);
    spoken.sentBytes += chunk.length;
    this.host.recordAudio(spoken.itemId, chunk.length);
    const deltaEvent = this.plan.audioDeltaEventName ?? 'response.output_audio.delta';
    this.host.send({ ...this.partEvent(deltaEvent, spoken), delta: chunk.toString('base64') });

    // Words keep pace with audio, so a cut-off item has a matching partial transcript.
    const wordsDue = Math.ceil((spoken.sentBytes / spoken.audio.length) * spoken.words.length);
    if (wordsDue > spoken.sentWords) {
      const delta = spoken.words.slice(spoken.sentWords, wordsDue).join('');
      spoken.sentWords = wordsDue;
      this.host.send({
        ...this.partEvent('response.output_audio_transcript.delta', spoken),
        delta,
      });
    }
  }

  private endSpokenItem(spoken: SpokenItem, status: 'completed' | 'incomplete'): void {
    this.speaking = undefined;
    const transcript = spoken.words.slice(0, spoken.sentWords).join('');
    const part = { type: 'audio', transcript };
    this.host.send(this.partEvent('response.output_audio.done', spoken));
    this.host.send({
      ...this.partEvent('response.output_audio_transcript.done', spoken),
      transcript,
    });
    this.host.send({ ...this.partEvent('response.content_part.done', spoken), part });
    const content = [{ type: 'output_audio', transcript }];
    const item = { id: spoken.itemId, type: 'message', role: 'assistant', status, content };
    this.endItem(item, spoken.outputIndex);
  }

  private callFunction(
    item: Extract<ResponseItemPlan, { call: string }>,
    outputIndex: number,
  ): void {
    const itemId = createId('item');
    const callId = createId('call');
    const args = JSON.stringify(item.arguments ?? {});
    const functionItem = { id: itemId, type: 'function_call', name: item.call, call_id: callId };
    this.beginItem({ ...functionItem, arguments: '' }, outputIndex);

    const ids = {
      response_id: this.id,
      item_id: itemId,
      output_index: outputIndex,
      call_id: callId,
    };
    this.host.send({ type: 'response.function_call_arguments.delta', ...ids, delta: args });
    const done = {
      type: 'response.function_call_arguments.done',
      ...ids,
      name: item.call,
      arguments: args,
    };
    this.host.send(done);
    if (this.plan.repeatArgumentsDone) this.host.send(done);
    this.host.recordFunctionCall({ callId, name: item.call, arguments: args });
    this.endItem({ ...functionItem, arguments: args, status: 'completed' }, outputIndex);
  }

  private beginItem(item: OutputItem, outputIndex: number): void {
    const added = { object: 'realtime.item', ...item, status: 'in_progress' };
    this.host.send({
      type: 'response.output_item.added',
      response_id: this.id,
      output_index: outputIndex,
      item: added,
    });
    const previousItemId = this.host.appendItem(item.id);
    this.host.send({
      type: 'conversation.item.added',
      previous_item_id: previousItemId,
      item: added,
    });
  }

  private endItem(item: OutputItem, outputIndex: number): void {
    const done = { object: 'realtime.item', ...item };
    this.output.push(done);
    this.host.send({
      type: 'response.output_item.done',
      response_id: this.id,
      output_index: outputIndex,
      item: done,
    });
    this.host.send({ type: 'conversation.item.done', item: done });
  }

  private complete(status: ResponseStatus, reason?: CancelReason): void {
    this.finished = true;
    clearTimeout(this.timer);
    const details = describeStatus(status, reason);
    this.host.send({ type: 'response.done', response: this.describe(status, details) });
    this.host.finish(this, status, reason);
  }

  private partEvent(type: string, spoken: SpokenItem): ServerEvent {
    return {
      type,
      response_id: this.id,
      item_id: spoken.itemId,
      output_index: spoken.outputIndex,
      content_index: 0,
    };
  }

  private describe(status: string, statusDetails: unknown = null) {
    return {
      id: this.id,
      object: 'realtime.response',
      status,
      status_details: statusDetails,
      output: [...this.output],
      conversation_id: 'conv_simulated',
      output_modalities: ['audio'],
      max_output_tokens: 'inf',
      audio: { output: { format: { type: 'audio/pcmu' }, voice: this.voice } },
      usage: null,
      metadata: null,
    };
  }

  private wait(durationMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, durationMs);
    });
  }
}

function describeStatus(status: ResponseStatus, reason?: CancelReason) {
  if (status === 'cancelled') return { type: 'cancelled', reason };
  if (status === 'failed') {
    return { type: 'failed', error: { type: 'server_error', code: 'simulator_plan_failed' } };
  }
  return null;
}
