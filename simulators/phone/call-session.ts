/**
 * One simulated call from creation to its final status callback: rings,
 * reaches the party's outcome, answers, hands its TwiML to the runner, and
 * ends exactly once, whoever ends it (the party, the API, the TwiML, a timer).
 */
import type { Logger } from 'pino';
import { logCallEvent } from './call-record.js';
import { detectMachineAsync, type MachineDetectionOptions } from './machine-detection.js';
import type { ConferenceRooms } from './dial.js';
import { StatusCallbackSender, type StatusCallbackConfig } from './status-callbacks.js';
import { sleepUnlessAborted } from './time.js';
import { TwimlRunner, type TwimlSource, type TwimlTiming } from './twiml-runner.js';
import type {
  AnsweredBy,
  CallEndedBy,
  CallStatus,
  PartyBehaviour,
  SimulatedCall,
} from './types.js';

const DEFAULT_RING_MS = 150;
const DEFAULT_MAX_CALL_MS = 120_000;

export interface CallSessionOptions {
  call: SimulatedCall;
  authToken: string;
  party: PartyBehaviour;
  statusCallback: StatusCallbackConfig | null;
  /** MachineDetection as asked on create; asynchronous when it has a callback. */
  machineDetection: MachineDetectionOptions | null;
  /** How long Twilio lets an outbound call ring before 'no-answer'. */
  ringTimeoutMs: number;
  twiml: TwimlSource;
  timing: TwimlTiming;
  logger: Logger;
  partyFor(number: string): PartyBehaviour;
  conferences: ConferenceRooms;
}

export type CallUpdate = { status: 'completed' | 'canceled' } | { twiml: TwimlSource };

export class CallSession {
  readonly call: SimulatedCall;
  /** Resolves once the call ended, its stream closed and its final callback was answered. */
  readonly finished: Promise<void>;
  /** Resolves once the first TwiML document loaded, or the call ended without one. */
  readonly firstDocumentSettled: Promise<void>;

  private readonly callbacks: StatusCallbackSender;
  private readonly endControl = new AbortController();
  private readonly runner: TwimlRunner;
  private twiml: TwimlSource;
  private maxCallTimer: NodeJS.Timeout | null = null;
  private isRunningTwiml = false;
  private hasStarted = false;
  private markStarted: (life: Promise<void>) => void = () => undefined;
  private markDocumentLoaded: () => void = () => undefined;

  constructor(private readonly options: CallSessionOptions) {
    this.call = options.call;
    this.twiml = options.twiml;
    this.callbacks = new StatusCallbackSender(this.call, options.statusCallback, options.authToken);
    this.runner = new TwimlRunner({
      call: this.call,
      authToken: options.authToken,
      party: options.party,
      timing: options.timing,
      logger: options.logger,
      callEnded: this.endControl.signal,
      onDocumentLoaded: () => this.answerOnFirstDocument(),
      endCall: (endedBy) => this.end({ endedBy }),
      partyFor: (number) => options.partyFor(number),
      conferences: options.conferences,
    });

    const lifeDone = new Promise<void>((resolve) => {
      this.markStarted = (life) => void life.then(resolve);
    });
    const ended = new Promise<void>((resolve) =>
      this.endControl.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    const documentLoaded = new Promise<void>((resolve) => (this.markDocumentLoaded = resolve));
    this.firstDocumentSettled = Promise.race([documentLoaded, ended]);
    this.finished = Promise.all([lifeDone, ended]).then(() => this.callbacks.flush());
  }

  get isLive(): boolean {
    return this.call.endedAt === null;
  }

  startOutbound(): void {
    this.start(() => this.runOutbound());
  }

  startInbound(): void {
    this.start(async () => {
      this.callbacks.notify('initiated');
      this.callbacks.notify('ringing');
      await this.runTwiml();
    });
  }

  /** Applies a REST update; false when a redirect arrives for a call that already ended. */
  update(update: CallUpdate): boolean {
    if ('status' in update) {
      // Twilio only cancels calls that are not yet answered; it hangs up the others.
      const canEnd = update.status === 'completed' || this.call.answeredAt === null;
      if (this.isLive && canEnd) this.end({ endedBy: 'api' });
      return true;
    }
    if (!this.isLive) return false;
    if (this.isRunningTwiml) this.runner.redirect(update.twiml);
    else this.twiml = update.twiml;
    return true;
  }

  hangUpByParty(): void {
    this.end({ endedBy: 'party' });
  }

  pressDigits(digits: string): void {
    const stream = this.runner.activeStream;
    if (stream) stream.sendDigits(digits);
    else logCallEvent(this.call, 'dtmf-dropped', { digits: digits.length });
  }

  private async runOutbound(): Promise<void> {
    const { party, ringTimeoutMs } = this.options;
    this.callbacks.notify('initiated');
    this.setStatus('ringing');
    this.callbacks.notify('ringing');

    const ringMs = party.ringMs ?? DEFAULT_RING_MS;
    const rang = await sleepUnlessAborted(Math.min(ringMs, ringTimeoutMs), this.endControl.signal);
    if (!rang) return;
    if (ringMs > ringTimeoutMs) return this.end({ endedBy: 'party', status: 'no-answer' });
    if (party.answer === 'busy' || party.answer === 'no-answer' || party.answer === 'failed') {
      return this.end({ endedBy: 'party', status: party.answer });
    }

    this.answer(party.answer === 'machine' ? 'machine_start' : 'human');
    const detection = this.options.machineDetection;
    if (detection?.callback) {
      const { authToken } = this.options;
      void detectMachineAsync({
        call: this.call,
        party,
        mode: detection.mode,
        callback: detection.callback,
        authToken,
        ended: this.endControl.signal,
      });
    }
    await this.runTwiml();
  }

  private runTwiml(): Promise<void> {
    this.isRunningTwiml = true;
    return this.runner.run(this.twiml);
  }

  private answerOnFirstDocument(): void {
    if (this.call.answeredAt === null && this.isLive) this.answer('human');
    this.markDocumentLoaded();
  }

  private answer(answeredBy: AnsweredBy): void {
    this.call.answeredAt = new Date();
    // Synchronous detection reports at answer; asynchronous detection reports later, by callback.
    const detection = this.options.machineDetection;
    this.call.answeredBy = detection && !detection.callback ? answeredBy : null;
    this.setStatus('in-progress');
    this.callbacks.notify('answered');

    const maxCallMs = this.options.party.maxCallMs ?? DEFAULT_MAX_CALL_MS;
    this.maxCallTimer = setTimeout(() => this.end({ endedBy: 'timeout' }), maxCallMs);
  }

  private end(outcome: { endedBy: CallEndedBy; status?: CallStatus }): void {
    if (!this.isLive) return;
    const { call } = this;
    // Twilio answers a failing call to say "an application error has occurred".
    if (outcome.endedBy === 'error' && call.answeredAt === null) this.answer('human');

    const answered = call.answeredAt !== null;
    call.endedAt = new Date();
    call.endedBy = outcome.endedBy;
    call.durationSec = answered ? elapsedWholeSeconds(call.answeredAt, call.endedAt) : 0;
    this.setStatus(outcome.status ?? (answered ? 'completed' : 'canceled'));
    logCallEvent(call, 'ended', { endedBy: outcome.endedBy });

    if (this.maxCallTimer) clearTimeout(this.maxCallTimer);
    this.start(() => Promise.resolve());
    this.endControl.abort();
    this.callbacks.notify('completed');
  }

  private setStatus(status: CallStatus): void {
    this.call.status = status;
    logCallEvent(this.call, 'status', { status });
    this.options.logger.info({ status }, 'simulated call status');
  }

  /** Starts the call's life once; a call ended before it started simply has none. */
  private start(life: () => Promise<void>): void {
    if (this.hasStarted) return;
    this.hasStarted = true;
    this.markStarted(this.guard(life));
  }

  /** Any unexpected failure ends the call rather than leaving it live forever. */
  private guard(life: () => Promise<void>): Promise<void> {
    return life().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.error({ err: message, callSid: this.call.sid }, 'simulated call failed');
      this.end({ endedBy: 'error' });
    });
  }
}

function elapsedWholeSeconds(from: Date | null, to: Date): number {
  if (!from) return 0;
  return Math.ceil((to.getTime() - from.getTime()) / 1_000);
}
