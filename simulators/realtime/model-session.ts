/**
 * One simulated model connection: the session config, the conversation, the
 * input audio timeline and at most one active response, all private to it.
 */
import type { WebSocket } from 'ws';

import { parseClientMessage, type ClientEvent, type ClientEventOf } from './client-events.js';
import { Conversation } from './conversation.js';
import { EventChannel } from './event-channel.js';
import { createId } from './ids.js';
import { InputAudio, type CommittedUtterance } from './input-audio.js';
import { ResponseRun, type CancelReason, type ResponseStatus } from './response-run.js';
import type {
  ResponsePlan,
  ResponseRequest,
  ScenarioFactory,
  ScenarioSession,
} from './scenario.js';
import {
  createDefaultSession,
  findUpdateRefusal,
  mergeSession,
  readTurnDetection,
  type SessionConfig,
} from './session-config.js';
import { createSessionRecord, summarizeClientEvent, type SessionRecord } from './session-record.js';

export class ModelSession {
  readonly record: SessionRecord;
  private config: SessionConfig;
  private readonly conversation: Conversation;
  private readonly input: InputAudio;
  private activeRun: ResponseRun | undefined;
  private readonly queuedPlans: ResponsePlan[] = [];
  private hasProducedAudio = false;
  private responseHandler: ((request: ResponseRequest) => ResponsePlan | undefined) | undefined;
  private readonly functionOutputHandlers: Array<(callId: string, output: string) => void> = [];
  private readonly scenario: ScenarioSession;
  private readonly events: EventChannel;

  constructor(
    private readonly socket: WebSocket,
    model: string | null,
    scenario: ScenarioFactory,
  ) {
    this.config = createDefaultSession(model);
    this.record = createSessionRecord(this.config.id ?? createId('sess'), model);
    this.events = new EventChannel(socket, this.record);
    this.conversation = new Conversation(this.events, this.record, (callId, output) => {
      for (const handler of this.functionOutputHandlers) handler(callId, output);
    });
    this.input = new InputAudio({
      send: (event) => this.events.send(event),
      sendError: (details) => this.events.sendError(details),
      appendItem: (itemId) => this.conversation.appendItem(itemId),
      readConfig: () => this.config,
      onSpeechStarted: (interrupt) => this.interruptOnSpeech(interrupt),
      onUtterance: (utterance, source) => this.handleUtterance(utterance, source),
    });
    this.scenario = this.createScenarioSession();

    socket.on('message', (data: Buffer) => this.receive(data.toString('utf8')));
    socket.on('close', (code) => this.handleClose(code));
    // A protocol violation by the peer ends in 'close' too; the listener keeps it from throwing.
    socket.on('error', () => undefined);
    this.events.send({ type: 'session.created', session: this.config });
    scenario(this.scenario);
  }

  /** Closes from the server side, as the real API does on an internal failure. */
  close(code: number, reason: string): void {
    this.record.closeCode = code;
    this.activeRun?.abandon();
    this.socket.close(code, reason);
  }

  /** What the real API does to a client speaking the retired beta shape. */
  refuseRetiredShape(): void {
    const message =
      'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.';
    this.events.sendError({ code: 'beta_api_shape_disabled', message });
    this.close(4000, 'beta_api_shape_disabled');
  }

  private receive(text: string): void {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.record.clientEvents.push({ type: 'invalid', invalid: true });
      const { code, message, param, eventId } = parsed;
      this.events.sendError({ code, message, param, eventId });
      return;
    }
    const summary = summarizeClientEvent(parsed.event);
    if (
      parsed.event.type === 'response.create' ||
      parsed.event.type === 'conversation.item.create'
    ) {
      summary.duringResponse = this.activeRun !== undefined;
    }
    this.record.clientEvents.push(summary);
    try {
      this.dispatch(parsed.event);
    } catch (error) {
      // A throwing scenario is a bug in a test script; report it on the wire, keep the server up.
      const message = error instanceof Error ? error.message : String(error);
      this.events.sendError({ type: 'server_error', code: 'scenario_failed', message });
    }
  }

  private dispatch(event: ClientEvent): void {
    switch (event.type) {
      case 'session.update':
        return this.updateSession(event);
      case 'input_audio_buffer.append':
        return this.appendAudio(event);
      case 'input_audio_buffer.commit':
        return this.input.commit(event.event_id);
      case 'input_audio_buffer.clear':
        return this.input.clear();
      case 'conversation.item.create':
        this.noteEarlierCallerTurn(event.item);
        return this.conversation.createItem(event);
      case 'conversation.item.truncate':
        return this.conversation.truncateItem(event);
      case 'conversation.item.delete':
        return this.conversation.deleteItem(event);
      case 'response.create':
        return this.createResponse(event);
      case 'response.cancel':
        return this.cancelResponse(event);
    }
  }

  private updateSession(event: ClientEventOf<'session.update'>): void {
    const refusal = findUpdateRefusal(event.session, this.hasProducedAudio);
    if (refusal) {
      this.events.sendError({ ...refusal, eventId: event.event_id });
      return;
    }
    const { id, object, model, expires_at } = this.config;
    this.config = { ...mergeSession(this.config, event.session), id, object, model, expires_at };
    this.record.sessionConfigs.push(this.config);
    this.events.send({ type: 'session.updated', session: this.config });
  }

  private appendAudio(event: ClientEventOf<'input_audio_buffer.append'>): void {
    const audio = Buffer.from(event.audio, 'base64');
    this.record.appendedAudioBytes += audio.length;
    this.input.append(audio);
  }

  private interruptOnSpeech(interrupt: boolean): void {
    if (interrupt) this.activeRun?.cancel('turn_detected');
  }

  /**
   * A session opened mid-call (the bridge lost the previous one) is seeded with the conversation
   * so far: caller messages created before any audio are the caller's earlier turns, so the
   * scenario goes on after them, as a real model continues from the context it is given.
   */
  private noteEarlierCallerTurn(item: { type: string } & Record<string, unknown>): void {
    if (item.type === 'message' && item.role === 'user' && this.record.appendedAudioBytes === 0)
      this.record.earlierCallerTurns += 1;
  }

  private handleUtterance(utterance: CommittedUtterance, source: 'vad' | 'client'): void {
    const index = this.record.earlierCallerTurns + this.record.utterances.length;
    const transcript = this.scenario.callerLines[index] ?? '';
    this.record.utterances.push({ index, ...utterance, transcript });
    this.input.sendTranscript(utterance, transcript);

    const createsResponse = readTurnDetection(this.config)?.createResponse ?? false;
    if (source !== 'vad' || !createsResponse || this.activeRun) return;
    const plan = this.responseHandler?.({ source: 'vad', utteranceIndex: index });
    if (plan) this.startResponse(plan);
  }

  private createResponse(event: ClientEventOf<'response.create'>): void {
    this.record.responseCreateCount += 1;
    if (this.activeRun) {
      const message =
        `Conversation already has an active response in progress: ${this.activeRun.id}. ` +
        'Wait until the response is finished before creating a new one.';
      this.events.sendError({
        code: 'conversation_already_has_active_response',
        message,
        param: null,
        eventId: event.event_id,
      });
      return;
    }

    const latest = this.record.utterances.at(-1);
    const instructions = event.response?.instructions;
    const plan = this.responseHandler?.({
      source: 'client',
      ...(latest ? { utteranceIndex: latest.index } : {}),
      ...(instructions !== undefined ? { instructions } : {}),
    });
    // A real model always answers a client request, if only with an empty response.
    this.startResponse(plan ?? { items: [] });
  }

  private cancelResponse(event: ClientEventOf<'response.cancel'>): void {
    if (!this.activeRun) {
      const message = 'Cancellation failed: no active response found';
      this.events.sendError({
        code: 'response_cancel_not_active',
        message,
        param: null,
        eventId: event.event_id,
      });
      return;
    }
    this.activeRun.cancel('client_cancelled');
  }

  private startResponse(plan: ResponsePlan): void {
    const run = new ResponseRun(
      {
        send: (event) => this.events.send(event),
        appendItem: (itemId) => this.conversation.appendItem(itemId),
        recordAudio: (itemId, bytes) => this.recordAgentAudio(itemId, bytes),
        recordFunctionCall: (call) => this.record.functionCalls.push(call),
        finish: (finished, status, reason) => this.finishResponse(finished, status, reason),
      },
      plan,
      this.config.audio?.output?.voice ?? 'alloy',
    );
    this.activeRun = run;
    run.start();
  }

  private finishResponse(run: ResponseRun, status: ResponseStatus, reason?: CancelReason): void {
    this.record.responses.push({ id: run.id, status, ...(reason ? { reason } : {}) });
    if (this.activeRun === run) this.activeRun = undefined;
    const next = this.queuedPlans.shift();
    if (next) this.startResponse(next);
  }

  private recordAgentAudio(itemId: string, bytes: number): void {
    this.hasProducedAudio = true;
    const sent = this.record.agentAudioBytesByItem;
    sent[itemId] = (sent[itemId] ?? 0) + bytes;
  }

  private createScenarioSession(): ScenarioSession {
    const readConfig = () => this.config;
    return {
      get config() {
        return readConfig();
      },
      callerLines: [],
      onResponseRequested: (handler) => {
        this.responseHandler = handler;
      },
      onFunctionOutput: (handler) => {
        this.functionOutputHandlers.push(handler);
      },
      respond: (plan) => {
        if (this.activeRun) this.queuedPlans.push(plan);
        else this.startResponse(plan);
      },
    };
  }

  private handleClose(code: number): void {
    this.record.closeCode ??= code;
    this.activeRun?.abandon();
    this.queuedPlans.length = 0;
  }
}
