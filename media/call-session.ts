/**
 * One live call on the bridge: the Twilio media stream on one side, the model
 * connection on the other. Audio is relayed untouched in mu-law; the session
 * tracks playback to handle barge-in, relays function calls to the workflow,
 * and sends one transcript turn per utterance.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../lib/logger.js';
import { verifyStreamToken } from '../lib/stream-token.js';
import type { MediaSessionConfig, TranscriptTurn } from '../workflows/types.js';
import type { CallControl } from './call-control.js';
import type { ModelConnection, ModelConnector } from './model-connection.js';
import { parseModelEvent, RETIRED_AUDIO_EVENTS, type ModelEvent } from './model-events.js';
import { PlaybackTracker } from './playback.js';
import { base64ByteLength, greetingRequest, heardText, sessionUpdateFor } from './session-update.js';
import { parseTwilioMessage, type TwilioMessage } from './twilio-messages.js';

export interface CallSessionDependencies {
  control: CallControl;
  models: ModelConnector;
  defaultModel: string;
  streamTokenSecret: string;
  logger: Logger;
}

/** Caller audio held while the model connection opens (20 ms frames: two seconds). */
const EARLY_AUDIO_LIMIT_FRAMES = 100;
/** Extra wait past the unplayed goodbye audio before hanging up anyway. */
const HANG_UP_MARGIN_MS = 2_000;
/** WebSocket close code for a policy violation: a stream without a valid token. */
const POLICY_VIOLATION = 1008;

interface AgentItem {
  transcript: string;
  transcriptDone: boolean;
  interrupted: boolean;
  heardMs: number;
  emitted: boolean;
  startedAt: string;
}

type Phase = 'awaiting-start' | 'connecting' | 'live' | 'closed';

export class CallSession {
  private phase: Phase = 'awaiting-start';
  private callId: string | undefined;
  private streamSid: string | undefined;
  private logger: Logger;
  private model: ModelConnection | undefined;
  private readonly earlyAudio: string[] = [];
  private readonly playback = new PlaybackTracker();
  private readonly agentItems = new Map<string, AgentItem>();
  private readonly toolCallsSeen = new Set<string>();
  private responseActive = false;
  private responseOwedAfterTools = false;
  private hangUpTimer: NodeJS.Timeout | undefined;
  private hangUpPending = false;
  private hungUp = false;
  private callerSpeechStartedAt: string | undefined;
  private signals: Promise<void> = Promise.resolve();
  private framesDroppedBeforeStart = 0;

  constructor(
    private readonly twilio: WebSocket,
    private readonly deps: CallSessionDependencies,
  ) {
    this.logger = deps.logger;
  }

  handleTwilioMessage(raw: string): void {
    const message = parseTwilioMessage(raw);
    if (!message) {
      this.logger.warn('twilio sent a message that does not parse');
      return;
    }
    this.dispatchTwilio(message);
  }

  /** The Twilio socket closed, with or without a `stop`. */
  handleTwilioClosed(): void {
    this.finish('twilio_socket_closed');
  }

  private dispatchTwilio(message: TwilioMessage): void {
    switch (message.event) {
      case 'connected':
        return;
      case 'start':
        void this.start(message.start).catch((error: unknown) => {
          this.logger.error({ err: String(error) }, 'stream start failed');
          this.closeTwilio(1011, 'internal error');
        });
        return;
      case 'media':
        this.relayCallerAudio(message.media.payload);
        return;
      case 'mark':
        this.acknowledgeMark(message.mark.name);
        return;
      case 'dtmf':
        this.logger.debug({ digit: '*' }, 'dtmf received');
        return;
      case 'stop':
        this.finish('stream_stopped');
        return;
    }
  }

  private async start(start: { streamSid: string; callSid: string; customParameters: Record<string, string> }) {
    if (this.phase !== 'awaiting-start') return;
    const callId = start.customParameters.call_id;
    const token = start.customParameters.stream_token;
    if (!callId || !token || !verifyStreamToken(this.deps.streamTokenSecret, callId, token)) {
      this.logger.warn({ callSid: start.callSid }, 'stream refused: missing or invalid stream token');
      this.closeTwilio(POLICY_VIOLATION, 'invalid stream token');
      return;
    }

    this.phase = 'connecting';
    this.callId = callId;
    this.streamSid = start.streamSid;
    this.logger = this.deps.logger.child({ callId, callSid: start.callSid, streamSid: start.streamSid });
    if (this.framesDroppedBeforeStart > 0) {
      this.logger.debug({ frames: this.framesDroppedBeforeStart }, 'media before start dropped');
    }

    let config: MediaSessionConfig;
    try {
      config = await this.deps.control.attach(callId, { streamSid: start.streamSid, callSid: start.callSid });
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'the call refused this stream');
      this.closeTwilio(POLICY_VIOLATION, 'stream not accepted');
      return;
    }
    if (this.isClosed()) return;

    const model = config.model ?? this.deps.defaultModel;
    let connection: ModelConnection;
    try {
      connection = await this.deps.models.open(model, {
        onEvent: (event) => this.handleModelEvent(event),
        onClosed: (reason, code) => this.handleModelClosed(reason, code),
      });
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'model connection failed');
      this.hangUp('model_unavailable');
      return;
    }
    // The caller left while the model socket was opening: close it with nothing sent (C11).
    if (this.isClosed()) {
      connection.close();
      return;
    }

    this.model = connection;
    this.phase = 'live';
    connection.send(sessionUpdateFor(config, model));
    for (const payload of this.earlyAudio.splice(0)) {
      connection.send({ type: 'input_audio_buffer.append', audio: payload });
    }
    if (config.greeting) connection.send(greetingRequest(config.greeting));
    this.logger.info({ agentVersionId: config.agentVersionId }, 'media session live');
  }

  private relayCallerAudio(payload: string): void {
    if (this.phase === 'live') {
      this.model?.send({ type: 'input_audio_buffer.append', audio: payload });
    } else if (this.phase === 'connecting') {
      this.earlyAudio.push(payload);
      if (this.earlyAudio.length > EARLY_AUDIO_LIMIT_FRAMES) this.earlyAudio.shift();
    } else if (this.phase === 'awaiting-start') {
      // Twilio may send media before start; without a stream there is nowhere to send it (C06).
      this.framesDroppedBeforeStart += 1;
    }
  }

  private handleModelEvent(raw: unknown): void {
    if (this.isClosed()) return;
    const event = parseModelEvent(raw);
    if (!event) {
      const type = (raw as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && RETIRED_AUDIO_EVENTS.has(type)) {
        this.logger.error({ type }, 'the model speaks a retired protocol version: check the model name');
      }
      return;
    }
    this.dispatchModel(event);
  }

  private dispatchModel(event: ModelEvent): void {
    switch (event.type) {
      case 'response.created':
        this.responseActive = true;
        return;
      case 'response.done':
        this.responseActive = false;
        if (this.responseOwedAfterTools) {
          this.responseOwedAfterTools = false;
          this.model?.send({ type: 'response.create' });
        }
        if (this.hangUpPending) this.armHangUpTimer();
        this.hangUpIfGoodbyePlayed();
        return;
      case 'response.output_audio.delta':
        this.relayAgentAudio(event.item_id, event.delta);
        return;
      case 'response.output_audio.done': {
        const mark = this.playback.finishItem(event.item_id);
        if (mark) this.sendMark(mark);
        this.emitAgentTurnWhenHeard(event.item_id);
        return;
      }
      case 'response.output_audio_transcript.delta':
        this.agentItem(event.item_id).transcript += event.delta;
        return;
      case 'response.output_audio_transcript.done': {
        const item = this.agentItem(event.item_id);
        item.transcript = event.transcript;
        item.transcriptDone = true;
        this.emitAgentTurnWhenHeard(event.item_id);
        return;
      }
      case 'response.function_call_arguments.done':
        this.runTool(event.call_id, event.name, event.arguments);
        return;
      case 'input_audio_buffer.speech_started':
        this.callerSpeechStartedAt = new Date().toISOString();
        this.bargeIn();
        return;
      case 'input_audio_buffer.speech_stopped':
        return;
      case 'conversation.item.input_audio_transcription.completed':
        this.sendTurn({
          role: 'caller',
          text: event.transcript.trim(),
          interrupted: false,
          startedAt: this.callerSpeechStartedAt ?? new Date().toISOString(),
          endedAt: new Date().toISOString(),
        });
        return;
      case 'error':
        if (event.error.code === 'conversation_already_has_active_response') {
          // A response.create raced an open response (C09); the open one carries on.
          this.logger.info('model already had an active response');
          return;
        }
        this.logger.warn({ code: event.error.code ?? 'unknown' }, 'model reported an error');
        return;
      case 'session.created':
      case 'session.updated':
        return;
    }
  }

  private relayAgentAudio(itemId: string, payload: string): void {
    const item = this.agentItem(itemId);
    // Audio of an item the caller interrupted is late: never forward it (C07).
    if (item.interrupted || !this.streamSid) return;
    this.sendToTwilio({ event: 'media', streamSid: this.streamSid, media: { payload } });
    const mark = this.playback.recordAudio(itemId, base64ByteLength(payload));
    if (mark) this.sendMark(mark);
  }

  private acknowledgeMark(name: string): void {
    const played = this.playback.acknowledge(name);
    if (!played) return;
    this.emitAgentTurnWhenHeard(played.itemId);
    this.hangUpIfGoodbyePlayed();
  }

  /** The caller spoke over the agent: clear Twilio's buffer and truncate at what was heard. */
  private bargeIn(): void {
    const cut = this.playback.interrupt();
    if (!cut || !this.streamSid) return;

    this.sendToTwilio({ event: 'clear', streamSid: this.streamSid });
    this.model?.send({
      type: 'conversation.item.truncate',
      item_id: cut.itemId,
      content_index: 0,
      audio_end_ms: Math.floor(cut.heardMs),
    });
    this.cancelHangUp();

    for (const [itemId, heardMs] of [[cut.itemId, cut.heardMs] as const, ...cut.unheardItems.map((id) => [id, 0] as const)]) {
      const item = this.agentItem(itemId);
      item.interrupted = true;
      item.heardMs = heardMs;
      this.emitAgentTurnWhenHeard(itemId);
    }
    this.logger.info({ heardMs: Math.floor(cut.heardMs) }, 'caller barged in');
  }

  private emitAgentTurnWhenHeard(itemId: string): void {
    const item = this.agentItems.get(itemId);
    if (!item || item.emitted || !item.transcriptDone) return;
    if (!item.interrupted && !this.playback.isFullyPlayed(itemId)) return;
    this.emitAgentTurn(itemId, item);
  }

  private emitAgentTurn(itemId: string, item: AgentItem): void {
    item.emitted = true;
    const heardMs = item.interrupted ? item.heardMs : this.playback.playedMs(itemId);
    const text = item.interrupted ? heardText(item.transcript, heardMs, this.playback.sentMs(itemId)) : item.transcript;
    if (!text.trim()) return;
    this.sendTurn({
      role: 'agent',
      text: text.trim(),
      interrupted: item.interrupted,
      startedAt: item.startedAt,
      endedAt: new Date().toISOString(),
    });
  }

  private runTool(callId: string, name: string, args: string): void {
    // The model may repeat the arguments event; one run per call_id (C09).
    if (this.toolCallsSeen.has(callId) || !this.callId) return;
    this.toolCallsSeen.add(callId);

    this.deps.control
      .invokeTool(this.callId, { toolCallId: callId, name, arguments: args })
      .catch((error: unknown) => {
        this.logger.warn({ tool: name, err: String(error) }, 'tool invocation failed');
        return { status: 'failed' as const, output: JSON.stringify({ error: 'the tool is unavailable' }) };
      })
      .then((result) => {
        if (!this.model?.isOpen || this.isClosed()) return;
        this.model.send({
          type: 'conversation.item.create',
          item: { type: 'function_call_output', call_id: callId, output: result.output },
        });
        if ('action' in result && result.action === 'hang_up') {
          this.scheduleHangUp();
        } else if (this.responseActive) {
          this.responseOwedAfterTools = true;
        } else {
          this.model.send({ type: 'response.create' });
        }
      })
      .catch((error: unknown) => this.logger.error({ err: String(error) }, 'tool result handling failed'));
  }

  /** Hang up once the goodbye has played: the last mark, or its length plus a margin (C08). */
  private scheduleHangUp(): void {
    this.hangUpPending = true;
    this.armHangUpTimer();
    this.hangUpIfGoodbyePlayed();
  }

  private armHangUpTimer(): void {
    clearTimeout(this.hangUpTimer);
    this.hangUpTimer = setTimeout(() => this.hangUp('agent_ended_call'), this.playback.unplayedMs() + HANG_UP_MARGIN_MS);
    this.hangUpTimer.unref();
  }

  private hangUpIfGoodbyePlayed(): void {
    if (this.hangUpPending && !this.responseActive && !this.playback.hasUnplayedAudio()) {
      this.hangUp('agent_ended_call');
    }
  }

  private cancelHangUp(): void {
    if (!this.hangUpPending) return;
    this.hangUpPending = false;
    clearTimeout(this.hangUpTimer);
    this.logger.info('goodbye interrupted: hang-up cancelled');
  }

  private hangUp(reason: string): void {
    if (this.hungUp || !this.callId) return;
    this.hungUp = true;
    this.hangUpPending = false;
    clearTimeout(this.hangUpTimer);
    this.deps.control
      .requestHangUp(this.callId, reason)
      .catch((error: unknown) => this.logger.warn({ err: String(error) }, 'hang-up request failed'));
  }

  private handleModelClosed(reason: string, code?: number): void {
    if (this.isClosed()) return;
    this.logger.warn({ reason, code }, 'model connection lost');
    this.hangUp('model_unavailable');
  }

  private sendTurn(turn: TranscriptTurn): void {
    const callId = this.callId;
    if (!callId) return;
    // Chained so turns reach the workflow in the order they happened.
    this.signals = this.signals
      .then(() => this.deps.control.sendTurn(callId, turn))
      .catch((error: unknown) => this.logger.warn({ err: String(error) }, 'transcript turn not delivered'));
  }

  private finish(reason: string): void {
    if (this.phase === 'closed') return;
    const wasStarted = this.phase !== 'awaiting-start';
    this.phase = 'closed';
    clearTimeout(this.hangUpTimer);
    this.model?.close();

    for (const [itemId, item] of this.agentItems) {
      if (item.emitted || !item.transcriptDone) continue;
      if (!this.playback.isFullyPlayed(itemId)) {
        item.interrupted = true;
        item.heardMs = this.playback.playedMs(itemId);
      }
      this.emitAgentTurn(itemId, item);
    }

    const { callId, streamSid } = this;
    if (wasStarted && callId && streamSid) {
      this.signals = this.signals
        .then(() => this.deps.control.streamEnded(callId, { streamSid, reason }))
        .catch((error: unknown) => this.logger.warn({ err: String(error) }, 'stream end not delivered'));
    }
    this.closeTwilio(1000, 'done');
    this.logger.info({ reason }, 'media session ended');
  }

  private agentItem(itemId: string): AgentItem {
    let item = this.agentItems.get(itemId);
    if (!item) {
      item = { transcript: '', transcriptDone: false, interrupted: false, heardMs: 0, emitted: false, startedAt: new Date().toISOString() };
      this.agentItems.set(itemId, item);
    }
    return item;
  }

  private sendMark(name: string): void {
    if (this.streamSid) this.sendToTwilio({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  private sendToTwilio(message: Record<string, unknown>): void {
    if (this.twilio.readyState === this.twilio.OPEN) this.twilio.send(JSON.stringify(message));
  }

  private closeTwilio(code: number, reason: string): void {
    if (this.twilio.readyState === this.twilio.OPEN || this.twilio.readyState === this.twilio.CONNECTING) {
      this.twilio.close(code, reason);
    }
    if (code !== 1000) this.phase = 'closed';
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Settles when every signal this session queued has been sent. */
  async drained(): Promise<void> {
    await this.signals;
  }
}
