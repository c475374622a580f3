/**
 * C13: a long call stays inside Temporal's limits. Turns reach the workflow
 * as the bridge sends them (media/workflow-deliveries.ts over the real
 * Temporal client), the workflow saves them in batches and continues-as-new
 * before its limits, and no turn is lost.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { connectClient } from '../../lib/temporal.js';
import { createCallControl, type CallControl } from '../../media/call-control.js';
import { WorkflowDeliveries } from '../../media/workflow-deliveries.js';
import type { Stack } from '../../scripts/stack.js';
import {
  countEvents,
  fetchRuns,
  scheduledActivities,
  type HistoryEvent,
  type WorkflowRun,
} from '../../scripts/workflow-runs.js';
import { transcriptTurnSignal, twilioStatusSignal } from '../../workflows/messages.js';
import type { CallSummary } from '../../workflows/types.js';
import { startLiveCall, storedTurns, turnNumber, type LiveCall } from '../../scripts/live-call.js';
import { eventually, startTestStack } from '../support/stack.js';

/** A closing workflow task that a new signal landed in (WorkflowTaskFailedCause). */
const UNHANDLED_COMMAND = 1;
/** Temporal refuses a run's signals past this many (history.maximumSignalsPerExecution). */
const SIGNALS_PER_RUN_LIMIT = 10_000;
const TURNS = 12_000;

let stack: Stack;
let client: Client;
let control: CallControl;
before(async () => {
  stack = await startTestStack();
  client = await connectClient(stack.config);
  control = createCallControl(client);
});
after(async () => {
  await client.connection.close();
  await stack.stop();
});

test('12,000 turn signals through one call lose none: stored in order, several runs, a normal end (C13)', async () => {
  const call = await startLiveCall(stack, client);
  // One turn per signal: the heaviest load the bridge can put on one call.
  const deliveries = new WorkflowDeliveries(call, createCallControl(client), stack.logger, {
    policy: { maxTurnsPerBatch: 1, maxHeldTurns: TURNS },
  });
  for (let position = 1; position <= TURNS; position += 1) deliveries.addTurn(turnNumber(position));
  deliveries.endStream({ streamSid: call.streamSid, reason: 'stream_stopped' });
  await deliveries.flush();
  await call.handle.signal(twilioStatusSignal, {
    callSid: call.callSid,
    status: 'completed',
    durationSec: 5_400,
  });
  const summary = (await call.handle.result()) as CallSummary;

  const turns = await storedTurns(stack, call.callId);
  assert.equal(turns.length, TURNS);
  const misplaced = turns.filter(
    (row, index) => row.sequence !== index + 1 || row.text !== `turn ${index + 1}`,
  );
  assert.deepEqual(misplaced, []);

  const runs = await fetchRuns(client, call.workflowId, call.firstRunId);
  assert.ok(runs.length >= 2, `${runs.length} runs`);
  for (const run of runs) {
    const signals = run.events.filter((event) => event.workflowExecutionSignaledEventAttributes);
    assert.ok(signals.length < SIGNALS_PER_RUN_LIMIT, `a run took ${signals.length} signals`);
  }
  // The bridge let the workflow keep up: no task failed for too many signals arriving in it
  // (Temporal's limit is 100), none for nondeterminism; only closing tasks that a signal
  // landed in were tried again (Temporal's own rule for continue-as-new).
  const failedTasks = runs.flatMap((run) =>
    run.events.flatMap((event) => {
      const cause = event.workflowTaskFailedEventAttributes?.cause;
      return cause === undefined || cause === null ? [] : [Number(cause)];
    }),
  );
  assert.deepEqual(
    failedTasks.filter((cause) => cause !== UNHANDLED_COMMAND),
    [],
    'workflow tasks failed for another reason than a signal during a continue-as-new',
  );
  const turnSignals = countEvents(
    runs,
    (event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'transcriptTurns',
  );
  assert.ok(turnSignals >= TURNS, `${turnSignals} turn signals`);
  // Resumed runs route, dial and announce nothing again.
  assert.equal(scheduledActivities(runs, 'resolveAgentVersion'), 1);
  assert.equal(tenantEventsScheduled(runs, 'voice.call.started'), 1);
  assert.equal(tenantEventsScheduled(runs, 'voice.call.completed'), 1);

  assert.deepEqual(
    { status: summary.status, endReason: summary.endReason, turns: summary.turns },
    { status: 'completed', endReason: 'caller_hung_up', turns: TURNS },
  );
  const record = await stack.db.query<{ status: string; end_reason: string; outcome: string }>(
    'SELECT status, end_reason, outcome, duration_sec FROM calls WHERE id = $1',
    [call.callId],
  );
  assert.deepEqual(record.rows[0], {
    status: 'completed',
    end_reason: 'caller_hung_up',
    outcome: 'completed',
    duration_sec: 5_400,
  });
  const events = await stack.db.query<{ type: string; count: string }>(
    `SELECT type, count(*) FROM call_events WHERE call_id = $1 AND type IN ('routed', 'answered', 'ended')
     GROUP BY type ORDER BY type`,
    [call.callId],
  );
  assert.deepEqual(
    events.rows.map((row) => [row.type, Number(row.count)]),
    [
      ['answered', 1],
      ['ended', 1],
      ['routed', 1],
    ],
  );
});

/** recordTenantEvent activities for one event name (the name is in the activity's input). */
function tenantEventsScheduled(runs: Awaited<ReturnType<typeof fetchRuns>>, name: string): number {
  return countEvents(runs, (event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'recordTenantEvent') return false;
    const data = scheduled.input?.payloads?.[0]?.data;
    return data
      ? (JSON.parse(Buffer.from(data).toString('utf8')) as { event: string }).event === name
      : false;
  });
}

/** Small enough that a few turn batches fill a run; the runs that follow start below it. */
const SMALL_RUN_EVENTS = 60;
/** More than the workflow carries into its next run unsaved (it saves them first). */
const LARGE_BATCH_TURNS = 250;

test('a tool invocation and a hang-up request that reach a call as it continues-as-new are both answered (C13)', async () => {
  const call = await startLiveCall(stack, client, { continueAsNewAfterEvents: SMALL_RUN_EVENTS });
  const turns = { position: 0 };

  const toolCrossing = await crossContinueAsNew(call, turns, () =>
    control.invokeTool(call.callId, {
      toolCallId: 'call_order_lookup',
      name: 'check_order_status',
      arguments: JSON.stringify({ order_id: 'A-1001' }),
    }),
  );
  const answer = await toolCrossing.answer;
  assert.equal(answer.status, 'succeeded');
  assert.deepEqual(JSON.parse(answer.output), {
    order_id: 'A-1001',
    status: 'shipped',
    eta: 'Tuesday',
  });

  const hangUpCrossing = await crossContinueAsNew(call, turns, () =>
    control.requestHangUp(call.callId, 'tenant_hung_up'),
  );
  assert.equal(await hangUpCrossing.answer, true);
  await call.handle.signal(twilioStatusSignal, {
    callSid: call.callSid,
    status: 'completed',
    durationSec: 40,
  });
  await control.streamEnded(call.callId, { streamSid: call.streamSid, reason: 'stream_stopped' });
  const summary = (await call.handle.result()) as CallSummary;
  assert.deepEqual(
    { endReason: summary.endReason, turns: summary.turns, toolRuns: summary.toolRuns },
    { endReason: 'tenant_hung_up', turns: turns.position, toolRuns: 1 },
  );

  // Each was sent while a run was closing, and handled by the run after it.
  const runs = await fetchRuns(client, call.workflowId, call.firstRunId);
  const toolSentTo = runs.findIndex((run) => run.runId === toolCrossing.runId);
  const hangUpSentTo = runs.findIndex((run) => run.runId === hangUpCrossing.runId);
  assert.ok(toolSentTo >= 0 && hangUpSentTo > toolSentTo);
  assert.equal(runWithUpdate(runs, 'invokeTool'), toolSentTo + 1);
  assert.equal(runWithUpdate(runs, 'requestHangUp'), hangUpSentTo + 1);
  assert.equal(await functionCallRows(call.callId), 1);
  const stored = await storedTurns(stack, call.callId);
  assert.deepEqual(
    stored.map((row) => row.text),
    Array.from({ length: turns.position }, (_, i) => `turn ${i + 1}`),
  );
});

/**
 * Sends `message` while a run of the call is closing: the run is brought one workflow task
 * short of its limit, then a batch too large to carry fills it; that batch is saved before the
 * run continues-as-new, and the save waits on a table lock the test holds, so the closing task
 * stays open while the message arrives. Answers the run it was sent to and the message's answer.
 */
async function crossContinueAsNew<T>(
  call: LiveCall,
  turns: { position: number },
  message: () => Promise<T>,
): Promise<{ runId: string; answer: Promise<T> }> {
  const sendTurns = async (count: number) => {
    const batch = Array.from({ length: count }, (_, i) => turnNumber(turns.position + i + 1));
    await control.sendTurns(call.callId, {
      streamSid: call.streamSid,
      firstTurn: turns.position + 1,
      turns: batch,
    });
    turns.position += count;
    await eventually(
      async () =>
        (await storedTurns(stack, call.callId)).length === turns.position ? true : undefined,
      60_000,
      'the turns to be stored',
    );
  };
  let run = await settledRun(call.handle);
  const startRunId = run.runId;
  while (run.runId === startRunId || run.historyLength + 3 < SMALL_RUN_EVENTS) {
    await sendTurns(1);
    run = await settledRun(call.handle);
  }

  const locker = new pg.Client({ connectionString: stack.databaseUrl });
  await locker.connect();
  let answer: Promise<T>;
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE transcript_turns IN EXCLUSIVE MODE');
    const batch = Array.from({ length: LARGE_BATCH_TURNS }, (_, i) =>
      turnNumber(turns.position + i + 1),
    );
    await control.sendTurns(call.callId, {
      streamSid: call.streamSid,
      firstTurn: turns.position + 1,
      turns: batch,
    });
    turns.position += LARGE_BATCH_TURNS;
    await eventually(
      async () => ((await blockedTurnInserts(locker)) > 0 ? true : undefined),
      30_000,
      'the save to wait on the lock',
    );
    answer = message();
    // Under Temporal's 8 s workflow task heartbeat, which would let the run see the message.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(
      (await call.handle.describe()).runId,
      run.runId,
      'the run cannot close while it saves',
    );
  } finally {
    await locker.query('COMMIT');
    await locker.end();
  }
  await eventually(
    async () =>
      (await storedTurns(stack, call.callId)).length === turns.position ? true : undefined,
    60_000,
    'the large batch to be stored',
  );
  return { runId: run.runId, answer };
}

test('a run waits for a tool invocation in flight before it continues-as-new; the next run remembers the result', async () => {
  // The tenant answers the tool call only when the test says so (within its 8 s timeout).
  let answerTool: (value?: unknown) => void = () => undefined;
  const toolHeld = new Promise((resolve) => (answerTool = resolve));
  stack.tenantBackend.setTool('check_order_status', { hold: toolHeld });
  const call = await startLiveCall(stack, client, { continueAsNewAfterEvents: SMALL_RUN_EVENTS });
  const deliveries = new WorkflowDeliveries(call, control, stack.logger, {
    policy: { maxTurnsPerBatch: 1 },
  });
  let position = 0;
  const deliverTurn = async () => {
    position += 1;
    deliveries.addTurn(turnNumber(position));
    await deliveries.flush();
    await eventually(
      async () => ((await storedTurns(stack, call.callId)).length === position ? true : undefined),
      60_000,
      'the turns to be stored',
    );
  };
  const requestsBefore = stack.tenantBackend.requests.length;
  const invocation = {
    toolCallId: 'call_slow_lookup',
    name: 'check_order_status',
    arguments: JSON.stringify({ order_id: 'B-2002' }),
  };

  // A run past its limit while the tool runs: it goes on taking turns and does not close.
  let run = await settledRun(call.handle);
  while (run.historyLength + 10 < SMALL_RUN_EVENTS) {
    await deliverTurn();
    run = await settledRun(call.handle);
  }
  const heldRunId = run.runId;
  let answered = false;
  const slowAnswer = control.invokeTool(call.callId, invocation).finally(() => (answered = true));
  await eventually(
    async () => (stack.tenantBackend.requests.length > requestsBefore ? true : undefined),
    30_000,
    'the tool request to reach the tenant',
  );
  while (run.historyLength < SMALL_RUN_EVENTS + 10) {
    await deliverTurn();
    run = await settledRun(call.handle);
  }
  assert.equal(answered, false, 'the tool is still running');
  assert.equal(run.runId, heldRunId, 'no continue-as-new while a handler runs');

  answerTool();
  const first = await slowAnswer;
  assert.equal(first.status, 'succeeded');
  const next = await eventually(
    async () => {
      const current = await settledRun(call.handle);
      return current.runId === heldRunId ? undefined : current;
    },
    60_000,
    'the held run to continue as new',
  );

  // The next run answers the same call id from memory: the tool ran once.
  stack.tenantBackend.setTool('check_order_status', {});
  const again = await control.invokeTool(call.callId, invocation);
  assert.deepEqual(again, first);
  assert.equal(stack.tenantBackend.requests.length, requestsBefore + 1);
  assert.equal(await functionCallRows(call.callId), 1);
  assert.equal((await call.handle.describe()).runId, next.runId);

  // A bridge of the previous release sends one turn per signal: still saved, in order.
  position += 1;
  await call.handle.signal(transcriptTurnSignal, turnNumber(position));
  await deliverTurnsEnd(call, deliveries);
  const summary = (await call.handle.result()) as CallSummary;
  assert.deepEqual(
    { status: summary.status, turns: summary.turns, toolRuns: summary.toolRuns },
    { status: 'completed', turns: position, toolRuns: 1 },
  );
  const stored = await storedTurns(stack, call.callId);
  assert.deepEqual(
    stored.map((row) => row.text),
    Array.from({ length: position }, (_, i) => `turn ${i + 1}`),
  );

  // The held run took the update and finished it, past its limit, before it continued.
  const runs = await fetchRuns(client, call.workflowId, call.firstRunId);
  const held = runs.find((candidate) => candidate.runId === heldRunId) as WorkflowRun;
  const toolUpdateId = updateIdOf(held, 'invokeTool');
  const completedAt = held.events.findIndex(
    (event) =>
      event.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === toolUpdateId,
  );
  assert.ok(completedAt > 0);
  assert.ok(
    held.events.slice(0, completedAt).some((event) => taskStartedAt(event) >= SMALL_RUN_EVENTS),
    'the run went past its limit before the update completed',
  );
  assert.ok(held.events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes);
});

async function deliverTurnsEnd(call: LiveCall, deliveries: WorkflowDeliveries): Promise<void> {
  await control.requestHangUp(call.callId, 'agent_ended_call');
  await call.handle.signal(twilioStatusSignal, {
    callSid: call.callSid,
    status: 'completed',
    durationSec: 90,
  });
  deliveries.endStream({ streamSid: call.streamSid, reason: 'stream_stopped' });
  await deliveries.flush();
}

/** The current run once no workflow task is pending: its id and history length. */
async function settledRun(
  handle: WorkflowHandle,
): Promise<{ runId: string; historyLength: number }> {
  return eventually(
    async () => {
      const description = await handle.describe();
      if (description.raw.pendingWorkflowTask) return undefined;
      return { runId: description.runId, historyLength: description.historyLength };
    },
    60_000,
    'the workflow task to finish',
  );
}

async function blockedTurnInserts(client: pg.Client): Promise<number> {
  const rows = await client.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
     WHERE c.relname = 'transcript_turns' AND NOT l.granted`,
  );
  return rows.rows[0]?.waiting ?? 0;
}

function updateIdOf(run: WorkflowRun, name: string): string | undefined {
  const accepted = run.events.find(
    (event) =>
      event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === name,
  );
  return (
    accepted?.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId ??
    undefined
  );
}

/** Which run (by index) accepted the update of this name. */
function runWithUpdate(runs: WorkflowRun[], name: string): number {
  return runs.findIndex((run) =>
    run.events.some(
      (event) =>
        event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === name,
    ),
  );
}

function taskStartedAt(event: HistoryEvent): number {
  return event.workflowTaskStartedEventAttributes ? Number(event.eventId) : 0;
}

async function functionCallRows(callId: string): Promise<number> {
  const rows = await stack.db.query<{ count: string }>(
    'SELECT count(*) FROM function_calls WHERE call_id = $1',
    [callId],
  );
  return Number(rows.rows[0]?.count);
}

test('a delivery the bridge repeats after an unclear failure is counted once', async () => {
  const call = await startLiveCall(stack, client);
  const batch = (first: number, last: number) => ({
    streamSid: call.streamSid,
    firstTurn: first,
    turns: Array.from({ length: last - first + 1 }, (_, i) => turnNumber(first + i)),
  });
  await control.sendTurns(call.callId, batch(1, 3));
  await control.sendTurns(call.callId, batch(1, 3));
  await control.sendTurns(call.callId, batch(2, 5));
  await control.sendTurns(call.callId, batch(6, 6));
  await control.requestHangUp(call.callId, 'agent_ended_call');
  await call.handle.signal(twilioStatusSignal, {
    callSid: call.callSid,
    status: 'completed',
    durationSec: 20,
  });
  await control.streamEnded(call.callId, { streamSid: call.streamSid, reason: 'stream_stopped' });
  const summary = (await call.handle.result()) as CallSummary;

  assert.equal(summary.turns, 6);
  const stored = await storedTurns(stack, call.callId);
  assert.deepEqual(
    stored.map((row) => [row.sequence, row.text]),
    Array.from({ length: 6 }, (_, i) => [i + 1, `turn ${i + 1}`]),
  );
});
