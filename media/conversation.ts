/**
 * The conversation on a live call, driven by the model's events: the agent's
 * audio relayed to Twilio with playback marks, barge-in (clear, truncate at
 * what was heard), function calls through the workflow, keypad entries, the
 * guards (no input, time limit) with the agent's last words, and the hang-up
 * once a goodbye has played. The call session owns the sockets; this owns
 * what is said on them.
 */
import type { Logger } from '../lib/logger.js';
import type {
  KeypadEntry,
  MediaSessionConfig,
  ToolResult,
  TranscriptTurn,
} from '../workflows/types.js';
import { AgentTranscript } from './agent-transcript.js';
import type { CallControl } from './call-control.js';
import { ConversationGuards } from './conversation-guards.js';
import { ConversationStateTracker, type ConversationState } from './conversation-state.js';
import { dtmfAudio } from './dtmf-tones.js';
import { LastWords } from './last-words.js';
import {
  asAudioDelta,
  nonPcmuFormats,
  parseModelEvent,
  responseHadAudio,
  RETIRED_EVENT_NAMES,
  RETIRED_SHAPE_CODE,
  type ModelEvent,
} from './model-events.js';
import { PendingHangUp } from './pending-hang-up.js';
import { PlaybackTracker } from './playback.js';
import {
  base64ByteLength,
  greetingRequest,
  keypadMessage,
  lastWordsSessionUpdate,
  sayExactlyRequest,
} from './session-update.js';
import { ToolRelay } from './tool-relay.js';

/** Ids of audio the bridge makes itself (keypad tones): never truncated at the model. */
const TONE_ITEM_PREFIX = 'bridge_tones_';

/** What the conversation needs from the call session that carries it. */
export interface ConversationHost {
  readonly callId: string;
  readonly streamSid: string;
  readonly control: CallControl;
  readonly logger: Logger;
  sendToTwilio(message: Record<string, unknown>): void;
  /** Sends while the model session is up; false once it is gone. */
  sendToModel(event: Record<string, unknown>): boolean;
  sendTurn(turn: TranscriptTurn): void;
  /** Asks the workflow to end the call (once). */
  hangUp(reason: string): void;
  /** The model failed or drifted: the call ends with the fallback message. */
  failCall(reason: string, detail: string): void;
  hasHungUp(): boolean;
  /** What the call is doing now (greeting, listening, ...); called often, mostly unchanged. */
  reportState(state: ConversationState): void;
}

export class Conversation {
  private readonly playback = new PlaybackTracker();
  private readonly transcript = new AgentTranscript(this.playback, (turn) =>
    this.host.sendTurn(turn),
  );
  private readonly lastWords = new LastWords();
  private readonly pendingHangUp = new PendingHangUp((reason) => this.host.hangUp(reason));
  private readonly guards: ConversationGuards;
  private readonly tools: ToolRelay;
  private readonly state: ConversationStateTracker;
  private transferring = false;
  private responseActive = false;
  private responseOwed = false;
  private responseAudioBytes = 0;
  private callerSpeaking = false;
  private callerSpeechStartedAt: string | undefined;
  private toneSequence = 0;
  private interruptions = 0;
  private retiredNamesSeen = false;

  constructor(
    private readonly config: MediaSessionConfig,
    private readonly host: ConversationHost,
  ) {
    // A session that replaces a lost one opens with the recovery line, as another with its greeting.
    this.state = new ConversationStateTracker(
      config.greeting !== undefined || config.resume !== undefined,
    );
    this.guards = new ConversationGuards(config, {
      isWaitingForCaller: () => this.isWaitingForCaller(),
      promptCaller: (words) =>
        this.host.sendToModel(sayExactlyRequest('The caller has gone quiet.', words)),
      endSilentCall: (goodbye) =>
        this.sayLastWords(goodbye, 'no_input', 'The caller has not answered.'),
      reachTimeLimit: (wrapUp) => this.reachTimeLimit(wrapUp),
    });
    this.tools = new ToolRelay({
      control: host.control,
      logger: host.logger,
      sendToModel: (event) => this.host.sendToModel(event),
      onResult: (result, interrupted, name) => this.actOnToolResult(result, interrupted, name),
      interruptions: () => this.interruptions,
      onRunsChanged: () => {
        this.createOwedResponse();
        this.guards.review();
        this.reviewState();
      },
    });
  }

  /** The model session is configured: greet (if the version does) and start the guards. */
  start(): void {
    // The greeting is asked for only now: nothing can reach Twilio before `start` (C06).
    if (this.config.resume) {
      const context = 'The call dropped for a moment and is back; the conversation goes on.';
      this.host.sendToModel(sayExactlyRequest(context, this.config.resume.recoveryLine));
    } else if (this.config.greeting) {
      this.host.sendToModel(greetingRequest(this.config.greeting));
    }
    this.guards.start();
    this.reviewState();
  }

  handleModelEvent(raw: unknown): void {
    const delta = asAudioDelta(raw);
    if (delta) {
      this.relayAgentAudio(delta.item_id, delta.delta);
    } else {
      const event = parseModelEvent(raw) ?? this.parseRetiredEvent(raw);
      if (event) this.dispatchModel(event);
    }
    this.reviewState();
  }

  acknowledgeMark(name: string): void {
    const played = this.playback.acknowledge(name);
    if (!played) return;
    this.transcript.emitWhenHeard(played.itemId);
    this.hangUpIfPlayed();
    this.guards.review();
    this.reviewState();
  }

  /** A key press interrupts the agent, as it does an IVR prompt. */
  keyPressed(): void {
    this.guards.callerActive();
    this.bargeIn();
    this.guards.review();
    this.reviewState();
  }

  /** A whole keypad entry: the model hears it (masked if it may be a PIN) and answers. */
  keypadEntered(entry: KeypadEntry): void {
    if (!this.host.sendToModel(keypadMessage(entry, this.config.maskKeypadDigits))) return;
    this.responseOwed = true;
    this.createOwedResponse();
    this.guards.review();
  }

  /** The call is ending: no more timers. */
  stop(): void {
    this.pendingHangUp.clear();
    this.guards.stop();
    this.lastWords.clear();
  }

  /** The stream ended: store what the caller heard of every item. */
  finish(): void {
    this.stop();
    this.transcript.emitRemaining();
  }

  /** A beta-named event: relayed so the caller is not left in silence, and reported once. */
  private parseRetiredEvent(raw: unknown): ModelEvent | undefined {
    const type = (raw as { type?: unknown } | null)?.type;
    const current = typeof type === 'string' ? RETIRED_EVENT_NAMES.get(type) : undefined;
    if (!current) return undefined;
    if (!this.retiredNamesSeen) {
      this.retiredNamesSeen = true;
      this.host.logger.error(
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
        return this.guards.review();
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
        return this.tools.run(this.host.callId, event.call_id, event.name, event.arguments);
      case 'input_audio_buffer.speech_started':
        this.callerSpeaking = true;
        this.guards.callerActive();
        this.callerSpeechStartedAt = new Date().toISOString();
        this.bargeIn();
        return this.guards.review();
      case 'input_audio_buffer.speech_stopped':
        this.callerSpeaking = false;
        return this.guards.review();
      case 'conversation.item.input_audio_transcription.completed':
        // Noise the transcriber heard as nothing is not a turn.
        if (!event.transcript.trim()) return;
        return this.host.sendTurn({
          role: 'caller',
          text: event.transcript.trim(),
          interrupted: false,
          startedAt: this.callerSpeechStartedAt ?? new Date().toISOString(),
          endedAt: new Date().toISOString(),
        });
      case 'session.updated': {
        const formats = nonPcmuFormats(event);
        if (formats.length > 0)
          this.host.failCall(
            'model_protocol_mismatch',
            `the model reports ${formats.join(', ')} audio`,
          );
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
      this.host.failCall(
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
    this.guards.review();
  }

  private handleModelError(code: string): void {
    if (code === 'conversation_already_has_active_response') {
      // A response.create raced an open response (C09); the open one carries on.
      this.host.logger.info('model already had an active response');
    } else if (code === RETIRED_SHAPE_CODE) {
      this.host.logger.error({ code }, 'the model API refused this client as a retired API shape');
    } else {
      this.host.logger.warn({ code }, 'model reported an error');
    }
  }

  private relayAgentAudio(itemId: string, payload: string): void {
    const bytes = base64ByteLength(payload);
    this.responseAudioBytes += bytes;
    // Audio of an item the caller interrupted is late: never forward it (C07).
    if (this.transcript.isInterrupted(itemId)) return;
    this.host.sendToTwilio({ event: 'media', streamSid: this.host.streamSid, media: { payload } });
    const mark = this.playback.recordAudio(itemId, bytes);
    if (mark) this.sendMark(mark);
    if (this.guards.counting) this.guards.review();
  }

  /** The caller spoke (or keyed) over the agent: clear Twilio's buffer and truncate at what was heard. */
  private bargeIn(): void {
    if (!this.lastWords.active && this.cutAgentOff()) this.interruptions += 1;
  }

  /** Stops the agent's audio where the caller is (a barge-in, or the time limit); false if none played. */
  private cutAgentOff(): boolean {
    const cut = this.playback.interrupt();
    if (!cut) return false;

    this.host.sendToTwilio({ event: 'clear', streamSid: this.host.streamSid });
    this.truncate(cut.itemId, cut.heardMs);
    for (const itemId of cut.unheardItems) this.truncate(itemId, 0);
    if (this.pendingHangUp.cancel())
      this.host.logger.info('goodbye interrupted: hang-up cancelled');
    this.transcript.markInterrupted(cut.itemId, cut.heardMs);
    for (const itemId of cut.unheardItems) this.transcript.markInterrupted(itemId, 0);
    this.host.logger.info({ heardMs: Math.floor(cut.heardMs) }, 'agent audio cut off');
    return true;
  }

  private truncate(itemId: string, heardMs: number): void {
    if (itemId.startsWith(TONE_ITEM_PREFIX)) return;
    this.host.sendToModel({
      type: 'conversation.item.truncate',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: Math.floor(heardMs),
    });
  }

  /** What the agent does once a tool's output is with the model. */
  private actOnToolResult(result: ToolResult, interrupted: boolean, name: string): void {
    // The workflow hands the caller on once it sees this result.
    if (name === 'transfer_to_human' && result.status === 'succeeded') this.transferring = true;
    if (result.action === 'hang_up') {
      // The caller spoke over the goodbye before end_call came back: they are not done (C08).
      if (interrupted) this.host.logger.info('goodbye interrupted: hang-up cancelled');
      else this.scheduleHangUp('agent_ended_call', true);
      return;
    }
    if (result.action === 'send_digits' && result.digits) this.playTones(result.digits);
    // The model answers the output once its open response is done and no tool is pending.
    this.responseOwed = true;
    this.createOwedResponse();
  }

  private createOwedResponse(): void {
    if (!this.responseOwed || this.responseActive || this.tools.inFlight > 0) return;
    if (this.pendingHangUp.reason || this.lastWords.active) return;
    this.responseOwed = false;
    this.host.sendToModel({ type: 'response.create' });
  }

  /** Keypad tones to the far end, queued behind the agent's audio like its speech. */
  private playTones(digits: string): void {
    this.toneSequence += 1;
    const itemId = `${TONE_ITEM_PREFIX}${this.toneSequence}`;
    const payload = dtmfAudio(digits).toString('base64');
    this.host.sendToTwilio({ event: 'media', streamSid: this.host.streamSid, media: { payload } });
    this.playback.recordAudio(itemId, base64ByteLength(payload));
    const mark = this.playback.finishItem(itemId);
    if (mark) this.sendMark(mark);
  }

  /** The agent is done and the caller has the floor: what the no-input guard waits on. */
  private isWaitingForCaller(): boolean {
    return (
      !this.responseActive &&
      !this.callerSpeaking &&
      this.tools.inFlight === 0 &&
      !this.playback.hasUnplayedAudio() &&
      !this.pendingHangUp.reason &&
      !this.lastWords.active &&
      !this.host.hasHungUp()
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
    if (this.host.hasHungUp() || !this.lastWords.begin(words, reason, context)) return;
    this.guards.review();
    this.host.sendToModel(lastWordsSessionUpdate(this.config));
    if (this.responseActive) this.host.sendToModel({ type: 'response.cancel' });
    else this.speakLastWords();
  }

  private speakLastWords(): void {
    const request = this.lastWords.request(() =>
      this.host.hangUp(this.lastWords.reason ?? 'agent_ended_call'),
    );
    if (request) this.host.sendToModel(sayExactlyRequest(request.context, request.words));
  }

  /** Hang up once the goodbye has played: the last mark, or its length plus a margin (C08). */
  private scheduleHangUp(reason: string, cancellable: boolean): void {
    this.pendingHangUp.schedule(reason, cancellable, this.playback.unplayedMs());
    this.hangUpIfPlayed();
  }

  private hangUpIfPlayed(): void {
    const reason = this.pendingHangUp.reason;
    if (reason && !this.responseActive && !this.playback.hasUnplayedAudio())
      this.host.hangUp(reason);
  }

  private reviewState(): void {
    this.host.reportState(
      this.state.next({
        agentAudioUnplayed: this.playback.hasUnplayedAudio(),
        callerSpeaking: this.callerSpeaking,
        toolsInFlight: this.tools.inFlight,
        transferring: this.transferring,
        ending: !!this.pendingHangUp.reason || this.lastWords.active || this.host.hasHungUp(),
      }),
    );
  }

  private sendMark(name: string): void {
    this.host.sendToTwilio({ event: 'mark', streamSid: this.host.streamSid, mark: { name } });
  }
}
