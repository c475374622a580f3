/**
 * C13: a long call stays inside Temporal's limits. Turns reach the workflow
 * as the bridge sends them (media/workflow-deliveries.ts over the real
 * Temporal client), the workflow saves them in batches and continues-as-new
 * before its limits, and no turn is lost.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../lib/temporal.js';
import { createCallControl } from '../../media/call-control.js';
import { WorkflowDeliveries } from '../../media/workflow-deliveries.js';
import type { Stack } from '../../scripts/stack.js';
import { countEvents, fetchRuns, scheduledActivities } from '../../scripts/workflow-runs.js';
import { twilioStatusSignal } from '../../workflows/messages.js';
import type { CallSummary } from '../../workflows/types.js';
import { startLiveCall, storedTurns, turnNumber } from '../support/live-call.js';
import { startTestStack } from '../support/stack.js';

/** Temporal refuses a run's signals past this many (history.maximumSignalsPerExecution). */
const SIGNALS_PER_RUN_LIMIT = 10_000;
const TURNS = 12_000;

let stack: Stack;
let client: Client;
before(async () => {
  stack = await startTestStack();
  client = await connectClient(stack.config);
});
after(async () => {
  await client.connection.close();
  await stack.stop();
});

test('12,000 turn signals through one call lose none: stored in order, several runs, a normal end (C13)', async () => {
  const call = await startLiveCall(stack, client);
  // One turn per signal: the heaviest load the bridge can put on one call.
  const deliveries = new WorkflowDeliveries(call.callId, createCallControl(client), stack.logger, {
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
