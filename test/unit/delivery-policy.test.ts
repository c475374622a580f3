import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/common';
import {
  batchLength,
  DEFAULT_DELIVERY_POLICY,
  flushDelayMs,
  isPermanentFailure,
  isRunCheckDue,
  pauseDelayMs,
  retryDelayMs,
  shouldPause,
  type HeldTurn,
} from '../../media/delivery-policy.js';

const policy = DEFAULT_DELIVERY_POLICY;

function held(
  role: 'agent' | 'caller',
  position: number,
  heldSinceMs: number,
  bytes = 100,
): HeldTurn {
  return {
    position,
    heldSinceMs,
    bytes,
    turn: { role, text: 'words', interrupted: false, startedAt: '2024-12-01T10:00:00.000Z' },
  };
}

test('nothing held: no flush is due', () => {
  assert.equal(flushDelayMs([], 1_000, policy), undefined);
});

test("a caller's turn goes at once, with the agent's turn held before it", () => {
  const turns = [held('agent', 1, 1_000), held('caller', 2, 3_000)];
  assert.equal(flushDelayMs(turns, 3_000, policy), 0);
  assert.equal(batchLength(turns, policy), 2);
});

test("an agent's turn waits for company at most maxTurnDelayMs from when it was held", () => {
  const turns = [held('agent', 1, 10_000)];
  assert.equal(flushDelayMs(turns, 10_000, policy), policy.maxTurnDelayMs);
  assert.equal(flushDelayMs(turns, 12_000, policy), policy.maxTurnDelayMs - 2_000);
  assert.equal(flushDelayMs(turns, 10_000 + policy.maxTurnDelayMs, policy), 0);
  assert.equal(flushDelayMs(turns, 10_000 + policy.maxTurnDelayMs + 1_000, policy), 0);
});

test('the delay counts from the oldest held turn', () => {
  const turns = [held('agent', 1, 10_000), held('agent', 2, 13_000)];
  assert.equal(flushDelayMs(turns, 14_000, policy), policy.maxTurnDelayMs - 4_000);
});

test('a full batch goes at once, by count or by bytes', () => {
  const byCount = Array.from({ length: policy.maxTurnsPerBatch }, (_, i) =>
    held('agent', i + 1, 0),
  );
  assert.equal(flushDelayMs(byCount, 0, policy), 0);
  const byBytes = [held('agent', 1, 0, policy.maxBatchBytes)];
  assert.equal(flushDelayMs(byBytes, 0, policy), 0);
});

test('a batch stops at the count bound, the byte bound and a gap in positions', () => {
  const many = Array.from({ length: policy.maxTurnsPerBatch + 7 }, (_, i) =>
    held('agent', i + 1, 0),
  );
  assert.equal(batchLength(many, policy), policy.maxTurnsPerBatch);

  const heavy = [
    held('agent', 1, 0, policy.maxBatchBytes / 2),
    held('agent', 2, 0, policy.maxBatchBytes / 2),
    held('agent', 3, 0, 1),
  ];
  assert.equal(batchLength(heavy, policy), 2);

  const gap = [held('agent', 4, 0), held('agent', 5, 0), held('agent', 9, 0)];
  assert.equal(batchLength(gap, policy), 2);
});

test('a turn larger than the byte bound still goes, alone', () => {
  const huge = [held('caller', 1, 0, policy.maxBatchBytes * 2), held('agent', 2, 0)];
  assert.equal(batchLength(huge, policy), 1);
});

test('retries back off exponentially up to the cap, with at most 20% jitter', () => {
  const middle = () => 0.5;
  assert.equal(retryDelayMs(1, policy, middle), policy.firstRetryMs);
  assert.equal(retryDelayMs(2, policy, middle), policy.firstRetryMs * 2);
  assert.equal(retryDelayMs(3, policy, middle), policy.firstRetryMs * 4);
  assert.equal(retryDelayMs(30, policy, middle), policy.maxRetryMs);
  assert.equal(
    retryDelayMs(1, policy, () => 0),
    policy.firstRetryMs * 0.8,
  );
  assert.equal(
    retryDelayMs(30, policy, () => 1),
    policy.maxRetryMs * 1.2,
  );
});

test('only a workflow that is gone fails a delivery for good', () => {
  assert.equal(isPermanentFailure(new WorkflowNotFoundError('gone', 'call-x', undefined)), true);
  assert.equal(isPermanentFailure(new Error('14 UNAVAILABLE: connection refused')), false);
});

test("the run's history length is looked at every checkRunEveryDeliveries, and during a pause", () => {
  const every = policy.checkRunEveryDeliveries;
  assert.equal(isRunCheckDue(every - 1, false, policy), false);
  assert.equal(isRunCheckDue(every, false, policy), true);
  assert.equal(isRunCheckDue(0, true, policy), true);
});

test('an overdue run gets a pause of at most maxPauseMs; a run on time none', () => {
  const overdue = policy.overdueRunEvents;
  const run = (historyLength: number) => ({ historyLength, workflowTaskPending: false });
  assert.equal(shouldPause(run(overdue - 1), 0, policy), false);
  assert.equal(shouldPause(run(overdue), 0, policy), true);
  assert.equal(shouldPause(run(overdue), policy.maxPauseMs - 1, policy), true);
  assert.equal(shouldPause(run(overdue), policy.maxPauseMs, policy), false);
});

test('a workflow that has not taken its deliveries yet gets a pause too', () => {
  assert.equal(shouldPause({ historyLength: 10, workflowTaskPending: true }, 0, policy), true);
  assert.equal(
    shouldPause({ historyLength: 10, workflowTaskPending: true }, policy.maxPauseMs, policy),
    false,
  );
});

test('a pause waits a workflow task at first, then backs off to the retry cap', () => {
  assert.equal(pauseDelayMs(1, policy), policy.firstPauseMs);
  assert.equal(pauseDelayMs(2, policy), policy.firstPauseMs * 2);
  assert.equal(pauseDelayMs(40, policy), policy.maxRetryMs);
});

test('the look at the run comes well before Temporal force-fails a task (100 buffered signals)', () => {
  assert.ok(policy.checkRunEveryDeliveries < 100);
});
