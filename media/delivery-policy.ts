/**
 * When the bridge sends what it holds for a call's workflow, and how it
 * retries (C13). Every signal costs the workflow's history four or five
 * events, so turns travel in batches: a caller's turn goes at once (the
 * escalation rules read the caller's words) and takes the agent's turn before
 * it along; an agent's turn waits a few seconds for the caller's answer to
 * ride with it (a turn held by the bridge is lost if the bridge dies, so the
 * wait stays short). Pure functions, so the policy is tested on its own.
 *
 * A stream of deliveries (a backlog after an outage, a stress test) needs
 * flow control. Temporal fails a workflow task that more than 100 signals
 * arrived during (maximumBufferedEventsBatch), and fails a run's closing task
 * whenever a signal lands in it, so a stream can hold a run open past the
 * point where it should continue-as-new (C13). Every checkRunEveryDeliveries
 * deliveries the bridge looks at the run: it waits until the workflow has
 * taken what it was sent (no workflow task pending) and while the run is
 * overdue to continue-as-new. A call's own pace (a delivery every few
 * seconds) never reaches either.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import { DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS } from '../workflows/continuation-types.js';
import type { TranscriptTurn } from '../workflows/types.js';

export interface DeliveryPolicy {
  /** How long a turn may wait for company; a caller's turn never waits. */
  maxTurnDelayMs: number;
  maxTurnsPerBatch: number;
  /** Kept well under Temporal's 256 KiB payload warning (and its 2 MiB limit). */
  maxBatchBytes: number;
  /** Turns held while Temporal is unreachable; past this the oldest held are dropped. */
  maxHeldTurns: number;
  firstRetryMs: number;
  maxRetryMs: number;
  /** A delivery still failing after this long is dropped, and the next one tried. */
  giveUpAfterMs: number;
  /** Deliveries between looks at the run; under Temporal's 100 buffered signals per task. */
  checkRunEveryDeliveries: number;
  /** A run this long is overdue to continue-as-new: the bridge pauses to let it. */
  overdueRunEvents: number;
  /** The first wait for the workflow to take its deliveries; each next one doubles. */
  firstPauseMs: number;
  /** The longest pause for one run before delivering regardless. */
  maxPauseMs: number;
}

export const DEFAULT_DELIVERY_POLICY: Readonly<DeliveryPolicy> = {
  // The caller usually answers within this: then a whole exchange is one signal. At 5 s, a
  // quarter of a 10-minute call's agent turns went alone (547 events instead of about 440).
  maxTurnDelayMs: 8_000,
  maxTurnsPerBatch: 50,
  maxBatchBytes: 64 * 1_024,
  // About an hour of conversation: far more than any outage the call itself would outlive.
  maxHeldTurns: 1_000,
  firstRetryMs: 250,
  maxRetryMs: 5_000,
  giveUpAfterMs: 15 * 60_000,
  // A call sends a signal every few seconds: a long call looks here every few minutes.
  checkRunEveryDeliveries: 50,
  overdueRunEvents: DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS + 1_000,
  firstPauseMs: 20,
  maxPauseMs: 30_000,
};

/** A turn not yet handed to a delivery, numbered in the order the stream produced it. */
export interface HeldTurn {
  position: number;
  turn: TranscriptTurn;
  heldSinceMs: number;
  bytes: number;
}

/** Milliseconds until the held turns must go (0: now), or undefined when nothing is held. */
export function flushDelayMs(
  held: readonly HeldTurn[],
  nowMs: number,
  policy: DeliveryPolicy,
): number | undefined {
  const oldest = held[0];
  if (!oldest) return undefined;
  if (held.some(({ turn }) => turn.role === 'caller')) return 0;
  if (held.length >= policy.maxTurnsPerBatch) return 0;
  if (totalBytes(held) >= policy.maxBatchBytes) return 0;
  return Math.max(0, oldest.heldSinceMs + policy.maxTurnDelayMs - nowMs);
}

/**
 * How many of the oldest held turns the next batch takes: at least one, within the count and
 * byte bounds, and only consecutive positions (the workflow numbers a batch from its first).
 */
export function batchLength(held: readonly HeldTurn[], policy: DeliveryPolicy): number {
  let length = 0;
  let bytes = 0;
  for (const candidate of held) {
    if (length > 0) {
      const previous = held[length - 1] as HeldTurn;
      if (length >= policy.maxTurnsPerBatch) break;
      if (bytes + candidate.bytes > policy.maxBatchBytes) break;
      if (candidate.position !== previous.position + 1) break;
    }
    length += 1;
    bytes += candidate.bytes;
  }
  return length;
}

/** Exponential back-off with 20% jitter, so a bridge's calls do not retry in step. */
export function retryDelayMs(
  attempt: number,
  policy: DeliveryPolicy,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxRetryMs, policy.firstRetryMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Whether to look at the run's history length before the next delivery. */
export function isRunCheckDue(
  deliveriesSinceCheck: number,
  paused: boolean,
  policy: DeliveryPolicy,
): boolean {
  return paused || deliveriesSinceCheck >= policy.checkRunEveryDeliveries;
}

/** What the bridge sees of the call's current run (DescribeWorkflowExecution). */
export interface RunProgress {
  historyLength: number;
  workflowTaskPending: boolean;
}

/**
 * Pause while the workflow has not taken its deliveries yet or the run is overdue to
 * continue-as-new, unless this pause has already lasted maxPauseMs.
 */
export function shouldPause(
  run: RunProgress,
  pausedForMs: number,
  policy: DeliveryPolicy,
): boolean {
  const busy = run.workflowTaskPending || run.historyLength >= policy.overdueRunEvents;
  return busy && pausedForMs < policy.maxPauseMs;
}

/** The n-th wait of one pause: short at first (a workflow task), then backing off. */
export function pauseDelayMs(pauses: number, policy: DeliveryPolicy): number {
  return Math.min(policy.maxRetryMs, policy.firstPauseMs * 2 ** Math.max(0, pauses - 1));
}

/** The workflow is gone (completed, terminated, never started): no retry can deliver. */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError;
}

function totalBytes(held: readonly HeldTurn[]): number {
  return held.reduce((sum, { bytes }) => sum + bytes, 0);
}
