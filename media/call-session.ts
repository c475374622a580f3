/**
 * One call on the bridge: the Twilio media stream on one side, the model
 * connection on the other. The session owns both sockets and the stream's
 * life (token check, attaching to the workflow, opening the model, the end),
 * relays the caller's audio untouched in mu-law, gathers keypad entries, and
 * ends the call cleanly when the model fails. What is said once the call is
 * live is the Conversation's business.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../lib/logger.js';
import { verifyStreamToken } from '../lib/stream-token.js';
import { callWorkflowId } from '../workflows/ids.js';
import type { KeypadEntry, MediaSessionConfig, TranscriptTurn } from '../workflows/types.js';
import type { CallControl } from './call-control.js';
import { Conversation } from './conversation.js';
import { KeypadCollector } from './keypad.js';
import type { BridgeMetrics } from './metrics.js';
import type { ModelConnection, ModelConnector } from './model-connection.js';
import { RETIRED_SHAPE_CLOSE, RETIRED_SHAPE_CODE } from './model-events.js';
import type { RecordedSession, SessionRecorder } from './session-recorder.js';
import { conversationSeed, sessionUpdateFor } from './session-update.js';
import { parseTwilioFrame, type TwilioMessage } from './twilio-messages.js';
import { TwilioPeerGuard } from './twilio-peer-guard.js';
import { WorkflowDeliveries } from './workflow-deliveries.js';

export interface CallSessionDependencies {
  control: CallControl;
  models: ModelConnector;
  defaultModel: string;
  streamTokenSecret: string;
  logger: Logger;
  /** Keeps the stream's voice session row (state, end) up to date. */
  recorder: SessionRecorder;
  /** Bytes queued for Twilio past which the peer counts as not reading and is dropped. */
  maxBufferedBytes?: number;
  /** How long an upgraded socket may go without a valid `start`. */
  startTimeoutMs?: number;
  /** The bridge's metrics; frames are not timed without them. */
  metrics?: BridgeMetrics;
}

/** Caller audio held while the model connection opens (20 ms frames: two seconds). */
const EARLY_AUDIO_LIMIT_FRAMES = 100;
/** WebSocket close code for a policy violation: a stream without a valid token. */
const POLICY_VIOLATION = 1008;

function isAudioDelta(event: unknown): boolean {
  return (event as { type?: unknown } | null)?.type === 'response.output_audio.delta';
}

type Phase = 'awaiting-start' | 'connecting' | 'live' | 'closed';

interface StreamStart {
  streamSid: string;
  callSid: string;
  customParameters: Record<string, string>;
}

export class CallSession {
  private phase: Phase = 'awaiting-start';
  private callId: string | undefined;
  private streamSid: string | undefined;
  private logger: Logger;
  private model: ModelConnection | undefined;
  private conversation: Conversation | undefined;
  private modelLost = false;
  private hungUp = false;
  private readonly earlyAudio: string[] = [];
  private readonly keypad = new KeypadCollector((entry) => this.handleKeypadEntry(entry));
  /** Turns, keypad entries and the stream's end, in order, batched and retried (C13). */
  private deliveries: WorkflowDeliveries | undefined;
  private framesDroppedBeforeStart = 0;
  private record: RecordedSession | undefined;
  private readonly guard: TwilioPeerGuard;

  constructor(
    private readonly twilio: WebSocket,
    private readonly deps: CallSessionDependencies,
  ) {
    this.logger = deps.logger;
    this.guard = new TwilioPeerGuard(twilio, deps);
    this.guard.awaitStart(() => this.handleNoStart());
  }

  handleTwilioMessage(raw: string): void {
    const { message, event } = parseTwilioFrame(raw);
    if (message) {
      this.dispatchTwilio(message);
      return;
    }
    if (event === 'start' && this.phase === 'awaiting-start') {
      // The start carries the stream's credentials: one that does not parse ends the stream.
      this.logger.warn('stream refused: a start that does not parse');
      this.closeTwilio(POLICY_VIOLATION, 'invalid start');
      return;
    }
    this.guard.noteJunk(
      this.logger,
      event === undefined ? 'not_an_event' : 'unknown_or_invalid_event',
    );
  }

  /** Twilio sends text frames only. */
  handleBinaryMessage(): void {
    this.guard.noteJunk(this.logger, 'binary');
  }

  /** The Twilio socket closed, with or without a `stop`. */
  handleTwilioClosed(): void {
    this.finish('twilio_socket_closed');
    this.record?.end('twilio_socket_closed');
  }

  /** Settles when everything this session had for the workflow is delivered or dropped. */
  async drained(): Promise<void> {
    await this.deliveries?.flush();
  }

  private handleNoStart(): void {
    if (this.phase !== 'awaiting-start') return;
    this.logger.warn('stream refused: no start in time');
    this.closeTwilio(POLICY_VIOLATION, 'no start');
  }

  private dispatchTwilio(message: TwilioMessage): void {
    switch (message.event) {
      case 'media':
        return this.relayCallerAudio(message.media.payload);
      case 'mark':
        return this.conversation?.acknowledgeMark(message.mark.name);
      case 'connected':
        return;
      case 'start':
        void this.start(message.start).catch((error: unknown) => {
          this.logger.error({ err: String(error) }, 'stream start failed');
          this.closeTwilio(1011, 'internal error');
        });
        return;
      case 'dtmf':
        this.conversation?.keyPressed();
        return this.keypad.press(message.dtmf.digit);
      case 'stop':
        return this.finish('stream_stopped');
    }
  }

  private async start(start: StreamStart): Promise<void> {
    if (this.phase !== 'awaiting-start') return;
    const callId = start.customParameters.call_id;
    const token = start.customParameters.stream_token;
    // A stream that replaces a lost one says which; its token is for that stream only.
    const stream = streamNumberOf(start.customParameters.stream);
    if (
      !callId ||
      !token ||
      stream === undefined ||
      !verifyStreamToken(this.deps.streamTokenSecret, callId, token, { stream })
    ) {
      this.logger.warn(
        { callSid: start.callSid },
        'stream refused: missing or invalid stream token',
      );
      this.closeTwilio(POLICY_VIOLATION, 'invalid stream token');
      return;
    }

    this.phase = 'connecting';
    this.guard.started();
    this.callId = callId;
    this.streamSid = start.streamSid;
    this.logger = this.deps.logger.child({
      callId,
      callSid: start.callSid,
      workflowId: callWorkflowId(callId),
      streamSid: start.streamSid,
    });
    this.deliveries = new WorkflowDeliveries(
      { callId, streamSid: start.streamSid },
      this.deps.control,
      this.logger,
    );
    if (this.framesDroppedBeforeStart > 0) {
      this.logger.debug({ frames: this.framesDroppedBeforeStart }, 'media before start dropped');
    }

    let config: MediaSessionConfig;
    try {
      config = await this.deps.control.attach(callId, {
        streamSid: start.streamSid,
        callSid: start.callSid,
        ...(stream > 1 ? { stream } : {}),
      });
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'the call refused this stream');
      this.closeTwilio(POLICY_VIOLATION, 'stream not accepted');
      return;
    }
    if (this.isClosed()) return;
    this.record = this.deps.recorder.open({
      tenantId: config.tenantId,
      callId,
      streamSid: start.streamSid,
    });

    const model = config.model ?? this.deps.defaultModel;
    let connection: ModelConnection;
    try {
      connection = await this.deps.models.open(model, {
        onEvent: (event) => {
          if (this.isClosed()) return;
          const metrics = this.deps.metrics;
          if (metrics && isAudioDelta(event)) {
            metrics.timeFrame('model_to_twilio', () => this.conversation?.handleModelEvent(event));
          } else this.conversation?.handleModelEvent(event);
        },
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
    this.goLive(connection, config, model, { callId, streamSid: start.streamSid });
  }

  private goLive(
    connection: ModelConnection,
    config: MediaSessionConfig,
    model: string,
    ids: { callId: string; streamSid: string },
  ): void {
    this.model = connection;
    this.phase = 'live';
    connection.send(sessionUpdateFor(config, model));
    // A replacement session hears the conversation so far before any new audio.
    if (config.resume) {
      for (const item of conversationSeed(config.resume.turns)) connection.send(item);
    }
    for (const payload of this.earlyAudio.splice(0)) {
      connection.send({ type: 'input_audio_buffer.append', audio: payload });
    }

    this.conversation = new Conversation(config, {
      ...ids,
      control: this.deps.control,
      logger: this.logger,
      sendToTwilio: (message) => this.sendToTwilio(message),
      sendToModel: (event) => this.sendToLiveModel(event),
      sendTurn: (turn) => this.sendTurn(turn),
      hangUp: (reason) => this.hangUp(reason),
      failCall: (reason, detail) => this.failCall(reason, detail),
      hasHungUp: () => this.hungUp,
      reportState: (state) => this.record?.setState(state),
    });
    this.conversation.start();
    this.logger.info(
      { agentVersionId: config.agentVersionId, stream: config.resume?.stream ?? 1 },
      config.resume ? 'media session live again after a lost stream' : 'media session live',
    );
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

  /** A whole entry goes to the workflow (identity checks, menus) and, once live, to the model. */
  private handleKeypadEntry(entry: KeypadEntry): void {
    if (!this.deliveries) return;
    this.deliveries.addKeypadEntry(entry);
    this.conversation?.keypadEntered(entry);
  }

  private hangUp(reason: string, detail?: string): void {
    if (this.hungUp || !this.callId) return;
    this.hungUp = true;
    this.record?.ending(reason);
    this.conversation?.stop();
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
    this.deliveries?.addTurn(turn);
  }

  private finish(reason: string): void {
    if (this.phase === 'closed') return;
    const wasStarted = this.phase !== 'awaiting-start';
    this.phase = 'closed';
    this.guard.dispose();
    this.keypad.flush();
    this.model?.close();
    this.conversation?.finish();
    this.record?.end(reason);

    const { streamSid } = this;
    if (wasStarted && streamSid) this.deliveries?.endStream({ streamSid, reason });
    this.closeTwilio(1000, 'done');
    this.logger.info({ reason }, 'media session ended');
  }

  /** Sends to the model while its session is up; false once it is gone or the call ended. */
  private sendToLiveModel(event: Record<string, unknown>): boolean {
    if (!this.model?.isOpen || this.modelLost || this.isClosed()) return false;
    this.model.send(event);
    return true;
  }

  private sendToTwilio(message: Record<string, unknown>): void {
    if (this.twilio.readyState !== this.twilio.OPEN) return;
    if (!this.guard.hasRoom()) {
      this.dropStalledPeer();
      return;
    }
    this.twilio.send(JSON.stringify(message));
  }

  /** The peer stopped reading: queueing more would only grow memory, so the stream ends here. */
  private dropStalledPeer(): void {
    this.logger.warn(
      { bufferedBytes: this.twilio.bufferedAmount },
      'twilio stopped reading: dropping the stream',
    );
    this.finish('twilio_not_reading');
    this.twilio.terminate();
  }

  private closeTwilio(code: number, reason: string): void {
    if (
      this.twilio.readyState === this.twilio.OPEN ||
      this.twilio.readyState === this.twilio.CONNECTING
    ) {
      this.twilio.close(code, reason);
    }
    if (code !== 1000) this.phase = 'closed';
    this.guard.dispose();
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }
}

/** The `stream` parameter: absent on a call's first stream, else a small whole number. */
function streamNumberOf(value: string | undefined): number | undefined {
  if (value === undefined) return 1;
  if (!/^[1-9][0-9]{0,2}$/.test(value)) return undefined;
  return Number(value);
}
