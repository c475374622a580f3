import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/common';
import { createLogger } from '../../lib/logger.js';
import { DEFAULT_DELIVERY_POLICY } from '../../media/delivery-policy.js';
import {
  WorkflowDeliveries,
  type DeliveryClock,
  type DeliveryTransport,
} from '../../media/workflow-deliveries.js';
import type { KeypadEntry, TranscriptTurn, TurnBatch } from '../../workflows/types.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Time that moves only when the test says so; due timers fire in order. */
class FakeClock implements DeliveryClock {
  nowMs = 0;
  private timers: Array<{ atMs: number; callback: () => void; done: boolean }> = [];

  now = () => this.nowMs;

  after = (delayMs: number, callback: () => void) => {
    const timer = { atMs: this.nowMs + delayMs, callback, done: false };
    this.timers.push(timer);
    return () => {
      timer.done = true;
    };
  };

  async advance(ms: number): Promise<void> {
    const untilMs = this.nowMs + ms;
    for (;;) {
      await settle();
      const due = this.timers
        .filter((timer) => !timer.done && timer.atMs <= untilMs)
        .sort((a, b) => a.atMs - b.atMs)[0];
      if (!due) break;
      this.nowMs = due.atMs;
      due.done = true;
      due.callback();
    }
    this.nowMs = untilMs;
    await settle();
  }
}

type Received =
  | { kind: 'turns'; batch: TurnBatch; atMs: number }
  | { kind: 'keypad'; entry: KeypadEntry; atMs: number }
  | { kind: 'stream-ended'; atMs: number };

/** Stands in for Temporal: records what arrives, or fails as told. */
class FakeWorkflow implements DeliveryTransport {
  received: Received[] = [];
  attempts = 0;
  failWith: (() => Error) | undefined;

  constructor(private readonly clock: FakeClock) {}

  sendTurns = async (_callId: string, batch: TurnBatch) => {
    this.attempt();
    this.received.push({ kind: 'turns', batch, atMs: this.clock.nowMs });
  };

  sendKeypadEntry = async (_callId: string, entry: KeypadEntry) => {
    this.attempt();
    this.received.push({ kind: 'keypad', entry, atMs: this.clock.nowMs });
  };

  streamEnded = async () => {
    this.attempt();
    this.received.push({ kind: 'stream-ended', atMs: this.clock.nowMs });
  };

  /** The current run as describe() would answer it. */
  runHistoryLength = 10;
  taskPending = false;
  lookups = 0;
  runProgress = async () => {
    this.lookups += 1;
    return { historyLength: this.runHistoryLength, workflowTaskPending: this.taskPending };
  };

  turnTexts(): string[] {
    return this.received.flatMap((item) =>
      item.kind === 'turns' ? item.batch.turns.map((turn) => turn.text) : [],
    );
  }

  private attempt(): void {
    this.attempts += 1;
    if (this.failWith) throw this.failWith();
  }
}

function setUp() {
  const clock = new FakeClock();
  const workflow = new FakeWorkflow(clock);
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line));
      done();
    },
  });
  const deliveries = new WorkflowDeliveries(
    { callId: 'call_test', streamSid: 'MZ1' },
    workflow,
    createLogger('info', 'test', sink),
    {
      clock,
    },
  );
  return { clock, workflow, deliveries, lines };
}

function turn(role: 'agent' | 'caller', text: string): TranscriptTurn {
  return { role, text, interrupted: false, startedAt: '2024-12-01T10:00:00.000Z' };
}

const unavailable = () => new Error('14 UNAVAILABLE: No connection established');

test("a caller's turn goes at once and takes the agent's turn before it along", async () => {
  const { clock, workflow, deliveries } = setUp();
  deliveries.addTurn(turn('agent', 'How can I help?'));
  await clock.advance(1_000);
  assert.equal(workflow.received.length, 0);

  deliveries.addTurn(turn('caller', 'Where is my order?'));
  await clock.advance(0);
  assert.deepEqual(workflow.received, [
    {
      kind: 'turns',
      atMs: 1_000,
      batch: {
        streamSid: 'MZ1',
        firstTurn: 1,
        turns: [turn('agent', 'How can I help?'), turn('caller', 'Where is my order?')],
      },
    },
  ]);
});

test("an agent's turn nobody answers goes after maxTurnDelayMs, numbered after the last", async () => {
  const { clock, workflow, deliveries } = setUp();
  deliveries.addTurn(turn('caller', 'Hello?'));
  await clock.advance(500);
  deliveries.addTurn(turn('agent', 'Hi, this is the agent.'));
  await clock.advance(DEFAULT_DELIVERY_POLICY.maxTurnDelayMs - 1);
  assert.equal(workflow.received.length, 1);
  await clock.advance(1);
  assert.equal(workflow.received.length, 2);
  const second = workflow.received[1];
  assert.equal(second?.kind, 'turns');
  assert.equal(second.atMs, 500 + DEFAULT_DELIVERY_POLICY.maxTurnDelayMs);
  assert.deepEqual(second.kind === 'turns' && second.batch.firstTurn, 2);
});

test('a keypad entry and the stream end go after the turns held before them, without waiting', async () => {
  const { clock, workflow, deliveries } = setUp();
  deliveries.addTurn(turn('agent', 'Please key in your PIN.'));
  deliveries.addKeypadEntry({ digits: '4321', endedBy: 'hash' });
  deliveries.addTurn(turn('agent', 'Thank you.'));
  deliveries.endStream({ streamSid: 'MZ1', reason: 'stream_stopped' });
  await clock.advance(0);

  assert.deepEqual(
    workflow.received.map((item) => [item.kind, item.atMs]),
    [
      ['turns', 0],
      ['keypad', 0],
      ['turns', 0],
      ['stream-ended', 0],
    ],
  );
  assert.deepEqual(workflow.turnTexts(), ['Please key in your PIN.', 'Thank you.']);
});

test('turns that come while a delivery is in flight travel together in the next one', async () => {
  const { clock, workflow, deliveries } = setUp();
  let release: (() => void) | undefined;
  const slow = workflow.sendTurns;
  workflow.sendTurns = async (callId, batch) => {
    if (!release) await new Promise<void>((resolve) => (release = resolve));
    return slow(callId, batch);
  };
  deliveries.addTurn(turn('caller', 'one'));
  await clock.advance(0);
  deliveries.addTurn(turn('agent', 'two'));
  deliveries.addTurn(turn('caller', 'three'));
  deliveries.addTurn(turn('agent', 'four'));
  deliveries.addTurn(turn('caller', 'five'));
  release?.();
  await clock.advance(0);

  assert.deepEqual(
    workflow.received.map((item) => (item.kind === 'turns' ? item.batch.firstTurn : 0)),
    [1, 2],
  );
  assert.deepEqual(workflow.turnTexts(), ['one', 'two', 'three', 'four', 'five']);
});

test('a minute without Temporal loses no turn: retried with back-off, delivered in order, once each', async () => {
  const { clock, workflow, deliveries, lines } = setUp();
  workflow.failWith = unavailable;
  const sent: string[] = [];
  // An exchange every 9 s for a minute: the caller speaks, the agent answers 4 s later.
  for (let second = 0; second < 60; second += 9) {
    for (const [role, text] of [
      ['caller', `question at ${second}`],
      ['agent', `answer at ${second}`],
    ] as const) {
      deliveries.addTurn(turn(role, text));
      sent.push(text);
      await clock.advance(4_000);
    }
    await clock.advance(1_000);
  }
  const attemptsDuringOutage = workflow.attempts;
  assert.equal(workflow.received.length, 0);

  workflow.failWith = undefined;
  await clock.advance(DEFAULT_DELIVERY_POLICY.maxRetryMs * 1.2 + 1);
  await clock.advance(DEFAULT_DELIVERY_POLICY.maxTurnDelayMs);
  await deliveries.flush();

  assert.deepEqual(workflow.turnTexts(), sent);
  // Back-off, not a busy loop: a minute at up to 5 s apart is a few dozen attempts at most.
  assert.ok(attemptsDuringOutage >= 10 && attemptsDuringOutage <= 40, `${attemptsDuringOutage}`);
  // Held while the first was retried, the rest travel in one batch.
  assert.equal(workflow.received.length, 2);
  const warnings = lines.filter((line) => line.msg.startsWith('workflow delivery failed'));
  assert.equal(warnings.length, 1);
  assert.ok(lines.some((line) => line.msg === 'workflow deliveries resumed'));
});

test('a workflow that is gone is logged once and nothing more is sent to it', async () => {
  const { clock, workflow, deliveries, lines } = setUp();
  workflow.failWith = () =>
    new WorkflowNotFoundError('workflow execution already completed', 'x', undefined);
  deliveries.addTurn(turn('caller', 'Are you there?'));
  await clock.advance(0);
  deliveries.addTurn(turn('caller', 'Hello?'));
  deliveries.addKeypadEntry({ digits: '1', endedBy: 'pause' });
  deliveries.endStream({ streamSid: 'MZ1', reason: 'stream_stopped' });
  await clock.advance(60_000);
  await deliveries.flush();

  assert.equal(workflow.attempts, 1);
  const gone = lines.filter((line) => line.msg.includes('workflow is gone'));
  assert.equal(gone.length, 1);
  assert.equal(JSON.stringify(lines).includes('Are you there'), false);
});

test('while Temporal is down the held turns are bounded: the oldest held give way', async () => {
  const { clock, workflow, deliveries, lines } = setUp();
  workflow.failWith = unavailable;
  const total = DEFAULT_DELIVERY_POLICY.maxHeldTurns + 25;
  for (let i = 1; i <= total; i += 1) deliveries.addTurn(turn('caller', `turn ${i}`));
  await clock.advance(10_000);
  workflow.failWith = undefined;
  await clock.advance(10_000);
  await deliveries.flush();

  const texts = workflow.turnTexts();
  assert.equal(texts.length, DEFAULT_DELIVERY_POLICY.maxHeldTurns);
  // The first turn was already in the delivery being retried; turns 2..26 gave way.
  assert.equal(texts[0], 'turn 1');
  assert.equal(texts[1], 'turn 27');
  assert.equal(texts.at(-1), `turn ${total}`);
  assert.equal(lines.filter((line) => line.msg.includes('backed up')).length, 1);
});

test('a delivery still failing after giveUpAfterMs is dropped and the next one goes', async () => {
  const { clock, workflow, deliveries, lines } = setUp();
  workflow.failWith = unavailable;
  deliveries.addTurn(turn('caller', 'lost'));
  await clock.advance(DEFAULT_DELIVERY_POLICY.giveUpAfterMs + 10_000);
  workflow.failWith = undefined;
  deliveries.addTurn(turn('caller', 'kept'));
  await clock.advance(0);
  await deliveries.flush();

  assert.deepEqual(workflow.turnTexts(), ['kept']);
  assert.equal(lines.filter((line) => line.msg.includes('dropped after retrying')).length, 1);
});

test('a stream of deliveries pauses for a run overdue to continue-as-new, then goes on', async () => {
  const clock = new FakeClock();
  const workflow = new FakeWorkflow(clock);
  const overdueRunEvents = 600;
  // The run grows an event per delivery and closes once it has had a quiet moment.
  let lastDeliveryAtMs = 0;
  const runLengths: number[] = [];
  const send = workflow.sendTurns;
  workflow.sendTurns = async (callId, batch) => {
    await send(callId, batch);
    workflow.runHistoryLength += 1;
    runLengths.push(workflow.runHistoryLength);
    lastDeliveryAtMs = clock.nowMs;
  };
  workflow.runProgress = async () => {
    workflow.lookups += 1;
    const quiet = clock.nowMs - lastDeliveryAtMs >= 200;
    if (quiet && workflow.runHistoryLength >= overdueRunEvents) workflow.runHistoryLength = 5;
    return { historyLength: workflow.runHistoryLength, workflowTaskPending: false };
  };
  const deliveries = new WorkflowDeliveries(
    { callId: 'call_test', streamSid: 'MZ1' },
    workflow,
    createLogger('silent'),
    {
      clock,
      policy: { maxTurnsPerBatch: 1, maxHeldTurns: 5_000, overdueRunEvents },
    },
  );

  for (let i = 1; i <= 2_000; i += 1) deliveries.addTurn(turn('caller', `turn ${i}`));
  await clock.advance(60_000);
  await deliveries.flush();

  assert.deepEqual(
    workflow.turnTexts(),
    Array.from({ length: 2_000 }, (_, i) => `turn ${i + 1}`),
  );
  // Looked at every checkRunEveryDeliveries and during each pause; never an interval overdue.
  const checkEvery = DEFAULT_DELIVERY_POLICY.checkRunEveryDeliveries;
  assert.ok(Math.max(...runLengths) < overdueRunEvents + checkEvery, `${Math.max(...runLengths)}`);
  assert.ok(
    runLengths.filter((length) => length === 6).length >= 2,
    'the run closed at least twice',
  );
  assert.ok(workflow.lookups <= 2_000 / checkEvery + 25, `${workflow.lookups} look-ups`);
});

test('a pause for an overdue run lasts at most maxPauseMs', async () => {
  const { clock, workflow, deliveries } = setUp();
  workflow.runHistoryLength = DEFAULT_DELIVERY_POLICY.overdueRunEvents * 2;
  for (let i = 1; i <= DEFAULT_DELIVERY_POLICY.checkRunEveryDeliveries + 1; i += 1) {
    deliveries.addTurn(turn('caller', `turn ${i}`));
    await clock.advance(0);
  }
  assert.equal(workflow.received.length, DEFAULT_DELIVERY_POLICY.checkRunEveryDeliveries);
  await clock.advance(DEFAULT_DELIVERY_POLICY.maxPauseMs - 5_000);
  assert.equal(workflow.received.length, DEFAULT_DELIVERY_POLICY.checkRunEveryDeliveries);
  await clock.advance(10_000);
  assert.equal(workflow.received.length, DEFAULT_DELIVERY_POLICY.checkRunEveryDeliveries + 1);
});

test('a stream waits for the workflow to take each 50 deliveries: never 100 signals in one task', async () => {
  const clock = new FakeClock();
  const workflow = new FakeWorkflow(clock);
  // The workflow takes what arrived in a workflow task every 30 ms.
  let untaken = 0;
  let lastTaskAtMs = 0;
  const tasks: number[] = [];
  const send = workflow.sendTurns;
  workflow.sendTurns = async (callId, batch) => {
    await send(callId, batch);
    untaken += 1;
  };
  workflow.runProgress = async () => {
    if (clock.nowMs - lastTaskAtMs >= 30 && untaken > 0) {
      tasks.push(untaken);
      untaken = 0;
      lastTaskAtMs = clock.nowMs;
    }
    return { historyLength: 100, workflowTaskPending: untaken > 0 };
  };
  const deliveries = new WorkflowDeliveries(
    { callId: 'call_test', streamSid: 'MZ1' },
    workflow,
    createLogger('silent'),
    {
      clock,
      policy: { maxTurnsPerBatch: 1, maxHeldTurns: 5_000 },
    },
  );

  for (let i = 1; i <= 2_000; i += 1) deliveries.addTurn(turn('caller', `turn ${i}`));
  await clock.advance(60_000);
  await deliveries.flush();

  assert.equal(workflow.turnTexts().length, 2_000);
  assert.ok(tasks.length >= 2_000 / 50 - 1, `${tasks.length} tasks`);
  assert.ok(
    Math.max(...tasks) <= DEFAULT_DELIVERY_POLICY.checkRunEveryDeliveries,
    `${Math.max(...tasks)}`,
  );
});
