/**
 * One live call on the bridge: the Twilio media stream on one side, the model
 * connection on the other. Audio is relayed untouched in mu-law; the session
 * tracks playback to handle barge-in, relays function calls and keypad entries
 * to the workflow, runs the call's guards (no input, time limit, a failing
 * model), and sends one transcript turn per utterance.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../lib/logger.js';
import { verifyStreamToken } from '../lib/stream-token.js';
import type {
  KeypadEntry,
  MediaSessionConfig,
  ToolResult,
  TranscriptTurn,
} from '../workflows/types.js';
import { AgentTranscript } from './agent-transcript.js';
import type { CallControl } from './call-control.js';
import { ConversationGuards } from './conversation-guards.js';
import { dtmfAudio } from './dtmf-tones.js';
import { KeypadCollector } from './keypad.js';
import { LastWords } from './last-words.js';
import type { ModelConnection, ModelConnector } from './model-connection.js';
import {
  asAudioDelta,
  nonPcmuFormats,
  parseModelEvent,
  responseHadAudio,
  RETIRED_EVENT_NAMES,
  RETIRED_SHAPE_CLOSE,
  RETIRED_SHAPE_CODE,
  type ModelEvent,
} from './model-events.js';
import { PendingHangUp } from './pending-hang-up.js';
import { PlaybackTracker } from './playback.js';
import { ToolRelay } from './tool-relay.js';
import {
  base64ByteLength,
  greetingRequest,
  keypadMessage,
  lastWordsSessionUpdate,
  sayExactlyRequest,
  sessionUpdateFor,
} from './session-update.js';
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
/** WebSocket close code for a policy violation: a stream without a valid token. */
const POLICY_VIOLATION = 1008;
/** Ids of audio the bridge makes itself (keypad tones): never truncated at the model. */
const TONE_ITEM_PREFIX = 'bridge_tones_';

type Phase = 'awaiting-start' | 'connecting' | 'live' | 'closed';

export class CallSession {
  private phase: Phase = 'awaiting-start';
  private callId: string | undefined;
  private streamSid: string | undefined;
  private logger: Logger;
  private config: MediaSessionConfig | undefined;
  private model: ModelConnection | undefined;
  private modelLost = false;
  private readonly earlyAudio: string[] = [];
  private readonly playback = new PlaybackTracker();
  private readonly transcript = new AgentTranscript(this.playback, (turn) => this.sendTurn(turn));
  private readonly keypad = new KeypadCollector((entry) => this.handleKeypadEntry(entry));
  private readonly lastWords = new LastWords();
  private readonly pendingHangUp = new PendingHangUp((reason) => this.hangUp(reason));
  private guards: ConversationGuards | undefined;
  private readonly tools: ToolRelay;
  private responseActive = false;
  private responseOwed = false;
  private responseAudioBytes = 0;
  private hungUp = false;
  private callerSpeaking = false;
  private callerSpeechStartedAt: string | undefined;
  private toneSequence = 0;
  private retiredNamesSeen = false;
  private signals: Promise<void> = Promise.resolve();
  private framesDroppedBeforeStart = 0;

  constructor(
    private readonly twilio: WebSocket,
    private readonly deps: CallSessionDependencies,
  ) {
    this.logger = deps.logger;
    const logger = () => this.logger;
    this.tools = new ToolRelay({
      control: deps.control,
      get logger() {
        return logger();
      },
      sendToModel: (event) => this.sendToLiveModel(event),
      onResult: (result) => this.actOnToolResult(result),
      onRunsChanged: () => {
        this.createOwedResponse();
        this.guards?.review();
      },
    });
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

  /** Settles when every signal this session queued has been sent. */
  async drained(): Promise<void> {
    await this.signals;
  }

  private dispatchTwilio(message: TwilioMessage): void {
    switch (message.event) {
      case 'media':
        return this.relayCallerAudio(message.media.payload);
      case 'mark':
        return this.acknowledgeMark(message.mark.name);
      case 'connected':
        return;
      case 'start':
        void this.start(message.start).catch((error: unknown) => {
          this.logger.error({ err: String(error) }, 'stream start failed');
          this.closeTwilio(1011, 'internal error');
        });
        return;
      case 'dtmf':
        return this.handleKeyPress(message.dtmf.digit);
      case 'stop':
        return this.finish('stream_stopped');
    }
  }

  private async start(start: {
    streamSid: string;
    callSid: string;
    customParameters: Record<string, string>;
  }) {
    if (this.phase !== 'awaiting-start') return;
    const callId = start.customParameters.call_id;
    const token = start.customParameters.stream_token;
    if (!callId || !token || !verifyStreamToken(this.deps.streamTokenSecret, callId, token)) {
      this.logger.warn(
        { callSid: start.callSid },
        'stream refused: missing or invalid stream token',
      );
      this.closeTwilio(POLICY_VIOLATION, 'invalid stream token');
      return;
    }

    this.phase = 'connecting';
    this.callId = callId;
    this.streamSid = start.streamSid;
    this.logger = this.deps.logger.child({
      callId,
      callSid: start.callSid,
      streamSid: start.streamSid,
    });
    if (this.framesDroppedBeforeStart > 0) {
      this.logger.debug({ frames: this.framesDroppedBeforeStart }, 'media before start dropped');
    }

    let config: MediaSessionConfig;
    try {
      config = await this.deps.control.attach(callId, {
        streamSid: start.streamSid,
        callSid: start.callSid,
      });
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
        onClosed: (reason, code, closeReason) => this.handleModelClosed(reason, code, closeReason),
      });
    } catch (error) {
      this.failCall('model_unavailable', error instanceof Error ? error.message : String(error));
      return;
    }
    // The caller left while the model socket was opening: close it with nothing sent (C11).
    if (this.isClosed()) {
      connection.close();
      return;
    }

    this.model = connection;
    this.config = config;
    this.phase = 'live';
    connection.send(sessionUpdateFor(config, model));
    for (const payload of this.earlyAudio.splice(0)) {
      connection.send({ type: 'input_audio_buffer.append', audio: payload });
    }
    // The greeting is asked for only now: nothing can reach Twilio before `start` (C06).
    if (config.greeting) connection.send(greetingRequest(config.greeting));
    this.guards = new ConversationGuards(config, {
      isWaitingForCaller: () => this.isWaitingForCaller(),
      promptCaller: (words) =>
        this.model?.send(sayExactlyRequest('The caller has gone quiet.', words)),
      endSilentCall: (goodbye) =>
        this.sayLastWords(goodbye, 'no_input', 'The caller has not answered.'),
      reachTimeLimit: (wrapUp) => this.reachTimeLimit(wrapUp),
    });
    this.guards.start();
    this.logger.info({ agentVersionId: config.agentVersionId }, 'media session live');
  }

  private relayCallerAudio(payload: string): void {
    if (this.phase === 'live') {
      if (!this.modelLost) this.model?.send({ type: 'input_audio_buffer.append', audio: payload });
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
    const delta = asAudioDelta(raw);
    if (delta) {
      this.relayAgentAudio(delta.item_id, delta.delta);
      return;
    }
    const event = parseModelEvent(raw) ?? this.parseRetiredEvent(raw);
    if (event) this.dispatchModel(event);
  }

  /** A beta-named event: relayed so the caller is not left in silence, and reported once. */
  private parseRetiredEvent(raw: unknown): ModelEvent | undefined {
    const type = (raw as { type?: unknown } | null)?.type;
    const current = typeof type === 'string' ? RETIRED_EVENT_NAMES.get(type) : undefined;
    if (!current) return undefined;
    if (!this.retiredNamesSeen) {
      this.retiredNamesSeen = true;
      this.logger.error(
        { type },
        'the model sends retired (beta) event names: check the model and endpoint',
      );
    }
    return parseModelEvent({ ...(raw as object), type: current });
  }

  private dispatchModel(event: ModelEvent): void {
    switch (event.type) {
      case 'response.output_audio.delta':
        return this.relayAgentAudio(event.item_id, event.delta);
      case 'response.created':
        this.responseActive = true;
        this.responseAudioBytes = 0;
        this.lastWords.responseStarted();
        return this.guards?.review();
      case 'response.done':
        return this.finishResponse(event.response);
      case 'response.output_audio.done': {
        const mark = this.playback.finishItem(event.item_id);
        if (mark) this.sendMark(mark);
        return this.transcript.emitWhenHeard(event.item_id);
      }
      case 'response.output_audio_transcript.delta':
        return this.transcript.appendText(event.item_id, event.delta);
      case 'response.output_audio_transcript.done':
        return this.transcript.finishText(event.item_id, event.transcript);
      case 'response.function_call_arguments.done':
        if (this.callId) this.tools.run(this.callId, event.call_id, event.name, event.arguments);
        return;
      case 'input_audio_buffer.speech_started':
        this.callerSpeaking = true;
        this.guards?.callerActive();
        this.callerSpeechStartedAt = new Date().toISOString();
        this.bargeIn();
        return this.guards?.review();
      case 'input_audio_buffer.speech_stopped':
        this.callerSpeaking = false;
        return this.guards?.review();
      case 'conversation.item.input_audio_transcription.completed':
        // Noise the transcriber heard as nothing is not a turn.
        if (!event.transcript.trim()) return;
        return this.sendTurn({
          role: 'caller',
          text: event.transcript.trim(),
          interrupted: false,
          startedAt: this.callerSpeechStartedAt ?? new Date().toISOString(),
          endedAt: new Date().toISOString(),
        });
      case 'session.updated': {
        const formats = nonPcmuFormats(event);
        if (formats.length > 0)
          this.failCall('model_protocol_mismatch', `the model reports ${formats.join(', ')} audio`);
        return;
      }
      case 'error':
        return this.handleModelError(event.error.code ?? 'unknown');
      case 'session.created':
        return;
    }
  }

  private finishResponse(
    response: Extract<ModelEvent, { type: 'response.done' }>['response'],
  ): void {
    this.responseActive = false;
    // The response says it spoke, yet no audio arrived: its audio came under a name we do not know.
    if (
      response.status === 'completed' &&
      this.responseAudioBytes === 0 &&
      responseHadAudio(response)
    ) {
      this.failCall(
        'model_protocol_mismatch',
        'a response reported audio but no audio event arrived',
      );
      return;
    }
    const lastWords = this.lastWords.responseFinished();
    if (lastWords === 'speak') this.speakLastWords();
    if (lastWords === 'spoken')
      this.scheduleHangUp(this.lastWords.reason ?? 'agent_ended_call', false);
    this.createOwedResponse();
    this.pendingHangUp.rearm(this.playback.unplayedMs());
    this.hangUpIfPlayed();
    this.guards?.review();
  }

  private handleModelError(code: string): void {
    if (code === 'conversation_already_has_active_response') {
      // A response.create raced an open response (C09); the open one carries on.
      this.logger.info('model already had an active response');
    } else if (code === RETIRED_SHAPE_CODE) {
      this.logger.error({ code }, 'the model API refused this client as a retired API shape');
    } else {
      this.logger.warn({ code }, 'model reported an error');
    }
  }

  private relayAgentAudio(itemId: string, payload: string): void {
    const bytes = base64ByteLength(payload);
    this.responseAudioBytes += bytes;
    // Audio of an item the caller interrupted is late: never forward it (C07).
    if (this.transcript.isInterrupted(itemId) || !this.streamSid) return;
    this.sendToTwilio({ event: 'media', streamSid: this.streamSid, media: { payload } });
    const mark = this.playback.recordAudio(itemId, bytes);
    if (mark) this.sendMark(mark);
    if (this.guards?.counting) this.guards.review();
  }

  private acknowledgeMark(name: string): void {
    const played = this.playback.acknowledge(name);
    if (!played) return;
    this.transcript.emitWhenHeard(played.itemId);
    this.hangUpIfPlayed();
    this.guards?.review();
  }

  /** The caller spoke (or keyed) over the agent: clear Twilio's buffer and truncate at what was heard. */
  private bargeIn(): void {
    if (!this.lastWords.active) this.cutAgentOff();
  }

  /** Stops the agent's audio where the caller is: a barge-in, or the time limit cutting in. */
  private cutAgentOff(): void {
    const cut = this.playback.interrupt();
    if (!cut || !this.streamSid) return;

    this.sendToTwilio({ event: 'clear', streamSid: this.streamSid });
    this.truncate(cut.itemId, cut.heardMs);
    for (const itemId of cut.unheardItems) this.truncate(itemId, 0);
    if (this.pendingHangUp.cancel()) this.logger.info('goodbye interrupted: hang-up cancelled');
    this.transcript.markInterrupted(cut.itemId, cut.heardMs);
    for (const itemId of cut.unheardItems) this.transcript.markInterrupted(itemId, 0);
    this.logger.info({ heardMs: Math.floor(cut.heardMs) }, 'agent audio cut off');
  }

  private truncate(itemId: string, heardMs: number): void {
    if (itemId.startsWith(TONE_ITEM_PREFIX)) return;
    this.model?.send({
      type: 'conversation.item.truncate',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: Math.floor(heardMs),
    });
  }

  /** What the agent does once a tool's output is with the model. */
  private actOnToolResult(result: ToolResult): void {
    if (result.action === 'hang_up') return this.scheduleHangUp('agent_ended_call', true);
    if (result.action === 'send_digits' && result.digits) this.playTones(result.digits);
    // The model answers the output once its open response is done and no tool is pending.
    this.responseOwed = true;
    this.createOwedResponse();
  }

  private createOwedResponse(): void {
    if (!this.responseOwed || this.responseActive || this.tools.inFlight > 0) return;
    if (this.pendingHangUp.reason || this.lastWords.active || this.modelLost) return;
    this.responseOwed = false;
    this.model?.send({ type: 'response.create' });
  }

  /** Keypad tones to the far end, queued behind the agent's audio like its speech. */
  private playTones(digits: string): void {
    if (!this.streamSid) return;
    this.toneSequence += 1;
    const itemId = `${TONE_ITEM_PREFIX}${this.toneSequence}`;
    const payload = dtmfAudio(digits).toString('base64');
    this.sendToTwilio({ event: 'media', streamSid: this.streamSid, media: { payload } });
    this.playback.recordAudio(itemId, base64ByteLength(payload));
    const mark = this.playback.finishItem(itemId);
    if (mark) this.sendMark(mark);
  }

  private handleKeyPress(digit: string): void {
    this.guards?.callerActive();
    // A key press interrupts the agent, as it does an IVR prompt.
    this.bargeIn();
    this.keypad.press(digit);
    this.guards?.review();
  }

  private handleKeypadEntry(entry: KeypadEntry): void {
    const callId = this.callId;
    if (!callId) return;
    this.signals = this.signals
      .then(() => this.deps.control.sendKeypadEntry(callId, entry))
      .catch((error: unknown) =>
        this.logger.warn({ err: String(error) }, 'keypad entry not delivered'),
      );
    if (this.phase !== 'live' || !this.model || this.modelLost) return;
    this.model.send(keypadMessage(entry, this.config?.maskKeypadDigits ?? true));
    this.responseOwed = true;
    this.createOwedResponse();
    this.guards?.review();
  }

  /** The agent is done and the caller has the floor: what the no-input guard waits on. */
  private isWaitingForCaller(): boolean {
    return (
      this.phase === 'live' &&
      !this.responseActive &&
      !this.callerSpeaking &&
      this.tools.inFlight === 0 &&
      !this.playback.hasUnplayedAudio() &&
      !this.pendingHangUp.reason &&
      !this.lastWords.active &&
      !this.hungUp
    );
  }

  /** At the time limit the agent stops mid-sentence if it must, says the wrap-up, and hangs up. */
  private reachTimeLimit(wrapUp: string): void {
    // An agent already saying goodbye finishes that instead.
    if (this.pendingHangUp.reason || this.lastWords.active) return;
    this.cutAgentOff();
    this.sayLastWords(wrapUp, 'max_duration', 'The call has reached its time limit.');
  }

  /** The agent's last words (a wrap-up, a no-input goodbye): not interruptible, then a hang-up. */
  private sayLastWords(words: string, reason: string, context: string): void {
    if (!this.config || this.hungUp || !this.lastWords.begin(words, reason, context)) return;
    this.guards?.review();
    this.model?.send(lastWordsSessionUpdate(this.config));
    if (this.responseActive) this.model?.send({ type: 'response.cancel' });
    else this.speakLastWords();
  }

  private speakLastWords(): void {
    const request = this.lastWords.request(() =>
      this.hangUp(this.lastWords.reason ?? 'agent_ended_call'),
    );
    if (request) this.model?.send(sayExactlyRequest(request.context, request.words));
  }

  /** Hang up once the goodbye has played: the last mark, or its length plus a margin (C08). */
  private scheduleHangUp(reason: string, cancellable: boolean): void {
    this.pendingHangUp.schedule(reason, cancellable, this.playback.unplayedMs());
    this.hangUpIfPlayed();
  }

  private hangUpIfPlayed(): void {
    const reason = this.pendingHangUp.reason;
    if (reason && !this.responseActive && !this.playback.hasUnplayedAudio()) this.hangUp(reason);
  }

  private hangUp(reason: string, detail?: string): void {
    if (this.hungUp || !this.callId) return;
    this.hungUp = true;
    this.clearTimers();
    this.deps.control
      .requestHangUp(this.callId, reason, detail)
      .catch((error: unknown) =>
        this.logger.warn({ err: String(error) }, 'hang-up request failed'),
      );
  }

  /** The model failed or drifted: this call ends with the fallback message; no other call notices (C11). */
  private failCall(reason: string, detail: string): void {
    if (this.modelLost) return;
    this.modelLost = true;
    this.logger.warn({ reason, detail }, 'model failed: ending the call with the fallback message');
    this.model?.close();
    this.hangUp(reason, detail);
  }

  private handleModelClosed(reason: string, code?: number, closeReason?: string): void {
    if (this.isClosed()) return;
    if (code === RETIRED_SHAPE_CLOSE || closeReason?.includes(RETIRED_SHAPE_CODE)) {
      // Retrying cannot help: the client, model name or endpoint must change.
      this.logger.error(
        { code, closeReason },
        'the model API retired this client shape: a configuration error',
      );
      this.failCall('model_configuration_error', `closed ${code}: ${closeReason ?? ''}`.trim());
      return;
    }
    this.failCall('model_unavailable', reason);
  }

  private sendTurn(turn: TranscriptTurn): void {
    const callId = this.callId;
    if (!callId) return;
    // Chained so turns reach the workflow in the order they happened.
    this.signals = this.signals
      .then(() => this.deps.control.sendTurn(callId, turn))
      .catch((error: unknown) =>
        this.logger.warn({ err: String(error) }, 'transcript turn not delivered'),
      );
  }

  private finish(reason: string): void {
    if (this.phase === 'closed') return;
    const wasStarted = this.phase !== 'awaiting-start';
    this.phase = 'closed';
    this.clearTimers();
    this.keypad.flush();
    this.model?.close();
    this.transcript.emitRemaining();

    const { callId, streamSid } = this;
    if (wasStarted && callId && streamSid) {
      this.signals = this.signals
        .then(() => this.deps.control.streamEnded(callId, { streamSid, reason }))
        .catch((error: unknown) =>
          this.logger.warn({ err: String(error) }, 'stream end not delivered'),
        );
    }
    this.closeTwilio(1000, 'done');
    this.logger.info({ reason }, 'media session ended');
  }

  private clearTimers(): void {
    this.pendingHangUp.clear();
    this.guards?.stop();
    this.lastWords.clear();
  }

  private sendMark(name: string): void {
    if (this.streamSid)
      this.sendToTwilio({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  /** Sends to the model while its session is up; false once it is gone or the call ended. */
  private sendToLiveModel(event: Record<string, unknown>): boolean {
    if (!this.model?.isOpen || this.modelLost || this.isClosed()) return false;
    this.model.send(event);
    return true;
  }

  private sendToTwilio(message: Record<string, unknown>): void {
    if (this.twilio.readyState === this.twilio.OPEN) this.twilio.send(JSON.stringify(message));
  }

  private closeTwilio(code: number, reason: string): void {
    if (
      this.twilio.readyState === this.twilio.OPEN ||
      this.twilio.readyState === this.twilio.CONNECTING
    ) {
      this.twilio.close(code, reason);
    }
    if (code !== 1000) this.phase = 'closed';
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }
}
