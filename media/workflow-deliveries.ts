/**
 * What the bridge tells a call's workflow without waiting for an answer (C13):
 * transcript turns in batches, keypad entries and the stream's end. One
 * delivery at a time, in the order things happened; while Temporal is
 * unreachable the head delivery is retried with back-off and new turns are
 * held (bounded). A workflow that is gone is logged once and everything for
 * it dropped. Turns carry their position, so a delivery retried after an
 * unclear failure is recognised by the workflow and counted once. During a
 * stream of deliveries the queue lets the workflow keep up, and pauses for a
 * run that is overdue to continue-as-new (see delivery-policy.ts).
 */
import type { Logger } from '../lib/logger.js';
import type { KeypadEntry, TranscriptTurn, TurnBatch } from '../workflows/types.js';
import type { CallControl } from './call-control.js';
import {
  batchLength,
  DEFAULT_DELIVERY_POLICY,
  flushDelayMs,
  isPermanentFailure,
  isRunCheckDue,
  pauseDelayMs,
  retryDelayMs,
  shouldPause,
  type RunProgress,
  type DeliveryPolicy,
  type HeldTurn,
} from './delivery-policy.js';

export type DeliveryTransport = Pick<
  CallControl,
  'sendTurns' | 'sendKeypadEntry' | 'streamEnded' | 'runProgress'
>;

/** Time as the queue sees it; tests and the history benchmark pass their own. */
export interface DeliveryClock {
  now(): number;
  /** Runs the callback after the delay; answers a function that cancels it. */
  after(delayMs: number, callback: () => void): () => void;
}

export const systemClock: DeliveryClock = {
  now: () => Date.now(),
  after: (delayMs, callback) => {
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  },
};

type Delivery =
  | { kind: 'turns'; batch: TurnBatch }
  | { kind: 'keypad'; entry: KeypadEntry }
  | { kind: 'stream-ended'; stream: { streamSid: string; reason: string } };

export interface DeliveryOptions {
  policy?: Partial<DeliveryPolicy>;
  clock?: DeliveryClock;
}

export class WorkflowDeliveries {
  private readonly policy: DeliveryPolicy;
  private readonly clock: DeliveryClock;
  private readonly held: HeldTurn[] = [];
  private readonly outbox: Delivery[] = [];
  private nextPosition = 1;
  private sending = false;
  private wait: { reason: 'flush' | 'retry' | 'pause'; cancel: () => void } | undefined;
  private attempts = 0;
  private failingSinceMs: number | undefined;
  private deliveriesSinceCheck = 0;
  private pausedSinceMs: number | undefined;
  private pauses = 0;
  private gone = false;
  private droppedTurns = 0;
  private idleWaiters: Array<() => void> = [];

  private readonly callId: string;
  private readonly streamSid: string;

  constructor(
    stream: { callId: string; streamSid: string },
    private readonly transport: DeliveryTransport,
    private readonly logger: Logger,
    options: DeliveryOptions = {},
  ) {
    this.callId = stream.callId;
    this.streamSid = stream.streamSid;
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
    this.clock = options.clock ?? systemClock;
  }

  addTurn(turn: TranscriptTurn): void {
    if (this.gone) return;
    this.held.push({
      position: this.nextPosition++,
      turn,
      heldSinceMs: this.clock.now(),
      bytes: Buffer.byteLength(JSON.stringify(turn)),
    });
    this.limitHeldTurns();
    this.pump();
  }

  /** After the turns before it: the verification tool reads the latest entry. */
  addKeypadEntry(entry: KeypadEntry): void {
    this.enqueueAfterHeldTurns({ kind: 'keypad', entry });
  }

  /** The last delivery of a stream: every turn goes before it. */
  endStream(stream: { streamSid: string; reason: string }): void {
    this.enqueueAfterHeldTurns({ kind: 'stream-ended', stream });
  }

  /** Sends what is held now; settles once everything so far is delivered or dropped. */
  async flush(): Promise<void> {
    this.sealHeldTurns();
    this.pump();
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueueAfterHeldTurns(delivery: Delivery): void {
    if (this.gone) return;
    this.sealHeldTurns();
    this.outbox.push(delivery);
    this.pump();
  }

  /** Starts the next delivery when nothing is in flight or waiting out a back-off. */
  private pump(): void {
    if (this.sending || (this.wait && this.wait.reason !== 'flush')) return;
    if (this.outbox.length === 0) {
      const delayMs = flushDelayMs(this.held, this.clock.now(), this.policy);
      if (delayMs === undefined) return this.notifyIdle();
      if (delayMs > 0) return this.waitToFlush(delayMs);
      this.sealHeldTurns();
    }
    void this.sendHead();
  }

  private async sendHead(): Promise<void> {
    const delivery = this.outbox[0];
    if (!delivery) return;
    this.sending = true;
    try {
      if (await this.runIsBehind()) return this.pause();
      await this.deliver(delivery);
      this.outbox.shift();
      this.deliveriesSinceCheck += 1;
      this.noteRecovered();
    } catch (error) {
      this.handleFailure(delivery, error);
    } finally {
      this.sending = false;
    }
    this.pump();
  }

  private deliver(delivery: Delivery): Promise<void> {
    switch (delivery.kind) {
      case 'turns':
        return this.transport.sendTurns(this.callId, delivery.batch);
      case 'keypad':
        return this.transport.sendKeypadEntry(this.callId, delivery.entry);
      case 'stream-ended':
        return this.transport.streamEnded(this.callId, delivery.stream);
    }
  }

  private handleFailure(delivery: Delivery, error: unknown): void {
    if (isPermanentFailure(error)) {
      this.gone = true;
      const turns = this.queuedTurnCount();
      this.outbox.length = 0;
      this.held.length = 0;
      this.cancelWait();
      this.logger.warn(
        { delivery: delivery.kind, turnsDropped: turns },
        "the call's workflow is gone: what the bridge still held for it is dropped",
      );
      return;
    }

    const nowMs = this.clock.now();
    this.failingSinceMs ??= nowMs;
    this.attempts += 1;
    if (this.attempts === 1) {
      this.logger.warn(
        { err: String(error), delivery: delivery.kind },
        'workflow delivery failed: retrying with back-off',
      );
    }
    if (nowMs - this.failingSinceMs >= this.policy.giveUpAfterMs) {
      this.logger.error(
        {
          delivery: delivery.kind,
          attempts: this.attempts,
          failingMs: nowMs - this.failingSinceMs,
        },
        'workflow delivery dropped after retrying',
      );
      this.outbox.shift();
      this.attempts = 0;
      this.failingSinceMs = undefined;
      return;
    }
    const cancel = this.clock.after(retryDelayMs(this.attempts, this.policy), () => {
      this.wait = undefined;
      this.pump();
    });
    this.wait = { reason: 'retry', cancel };
  }

  /**
   * Now and then during a stream: whether the workflow has yet to take what it was sent, or its
   * run is overdue to continue-as-new.
   */
  private async runIsBehind(): Promise<boolean> {
    const paused = this.pausedSinceMs !== undefined;
    if (!isRunCheckDue(this.deliveriesSinceCheck, paused, this.policy)) return false;
    this.deliveriesSinceCheck = 0;
    let run: RunProgress = { historyLength: 0, workflowTaskPending: false };
    try {
      run = await this.transport.runProgress(this.callId);
    } catch {
      // The delivery itself finds out whether Temporal is reachable and the workflow there.
    }
    const pausedForMs = this.clock.now() - (this.pausedSinceMs ?? this.clock.now());
    if (shouldPause(run, pausedForMs, this.policy)) {
      if (!paused && run.historyLength >= this.policy.overdueRunEvents) {
        this.logger.info(
          { historyLength: run.historyLength },
          'workflow deliveries paused: the run is overdue to continue as new',
        );
      }
      return true;
    }
    if (paused) {
      this.logger.debug({ pausedMs: pausedForMs, ...run }, 'workflow deliveries go on');
      this.pausedSinceMs = undefined;
      this.pauses = 0;
    }
    return false;
  }

  /** Lets the workflow catch up, or its run close (a signal landing in it fails the close). */
  private pause(): void {
    this.pausedSinceMs ??= this.clock.now();
    this.pauses += 1;
    const cancel = this.clock.after(pauseDelayMs(this.pauses, this.policy), () => {
      this.wait = undefined;
      this.pump();
    });
    this.wait = { reason: 'pause', cancel };
  }

  private noteRecovered(): void {
    if (this.attempts === 0) return;
    this.logger.info(
      {
        attempts: this.attempts,
        failingMs: this.clock.now() - (this.failingSinceMs ?? this.clock.now()),
      },
      'workflow deliveries resumed',
    );
    this.attempts = 0;
    this.failingSinceMs = undefined;
  }

  private waitToFlush(delayMs: number): void {
    if (this.wait) return;
    const cancel = this.clock.after(delayMs, () => {
      this.wait = undefined;
      this.pump();
    });
    this.wait = { reason: 'flush', cancel };
  }

  /** Moves every held turn into batches at the end of the outbox. */
  private sealHeldTurns(): void {
    if (this.wait?.reason === 'flush') this.cancelWait();
    while (this.held.length > 0) {
      const taken = this.held.splice(0, batchLength(this.held, this.policy));
      this.outbox.push({
        kind: 'turns',
        batch: {
          streamSid: this.streamSid,
          firstTurn: (taken[0] as HeldTurn).position,
          turns: taken.map(({ turn }) => turn),
        },
      });
    }
  }

  /** While deliveries fail the backlog is bounded: the oldest held turns give way. */
  private limitHeldTurns(): void {
    let dropped = 0;
    while (this.queuedTurnCount() > this.policy.maxHeldTurns && this.held.length > 0) {
      this.held.shift();
      dropped += 1;
    }
    if (dropped === 0) return;
    if (this.droppedTurns === 0) {
      this.logger.error(
        { maxHeldTurns: this.policy.maxHeldTurns },
        'workflow deliveries backed up: the oldest held transcript turns are dropped',
      );
    }
    this.droppedTurns += dropped;
  }

  private queuedTurnCount(): number {
    const inOutbox = this.outbox.reduce(
      (sum, delivery) => sum + (delivery.kind === 'turns' ? delivery.batch.turns.length : 0),
      0,
    );
    return inOutbox + this.held.length;
  }

  private cancelWait(): void {
    this.wait?.cancel();
    this.wait = undefined;
  }

  private isIdle(): boolean {
    return this.gone || (!this.sending && this.outbox.length === 0 && this.held.length === 0);
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
