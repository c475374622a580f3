/**
 * Bridge failover in the call workflow, message by message (no bridge, no phone): a lost stream
 * reported in the very first workflow task of a continued run (the bridge died while the call
 * continued-as-new) is handled as in any later task, since handlers run as soon as they are
 * registered; a replacement for a stream that carried no word greets; a stream lost past the
 * last replacement is on the record and holds nothing up.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { createDatabaseActivities } from '../../activities/database.js';
import { connectClient } from '../../lib/temporal.js';
import type { Stack } from '../../scripts/stack.js';
import type { CallContinuation } from '../../workflows/continuation-types.js';
import type { callWorkflow } from '../../workflows/call.js';
import { callWorkflowId } from '../../workflows/ids.js';
import {
  attachMediaStreamUpdate,
  callStateQuery,
  mediaStreamEndedSignal,
  mediaStreamLostUpdate,
  requestHangUpUpdate,
  transcriptTurnSignal,
  twilioStatusSignal,
} from '../../workflows/messages.js';
import type { CallWorkflowInput, TwilioStatusEvent } from '../../workflows/types.js';
import { recordInboundCall } from '../support/call-rows.js';
import { startTestStack } from '../support/stack.js';

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

/** A call in its conversation, as its first run hands it to the second (continue-as-new). */
async function continuedCall(): Promise<{ callSid: string; input: CallWorkflowInput }> {
  const { callSid, input: started } = await recordInboundCall(stack, 'in-progress');
  const version = await createDatabaseActivities(stack.db).resolveAgentVersion({
    tenantId: stack.tenant.tenantId,
    agentId: stack.tenant.agentId,
    callerNumber: '+15005550006',
  });
  const continuation: CallContinuation = {
    run: 2,
    status: 'in-progress',
    callSid,
    version,
    streamSid: 'MZ1',
    durationSec: null,
    conversationEndsAtMs: Date.now() + 600_000,
    keypad: { entries: 0 },
    turns: { saved: 0, unsaved: [], received: {} },
    tools: { results: {}, identityVerified: false },
    escalation: { toolErrorStreak: 0, lastCallerLine: '' },
    tenantEventsEmitted: ['voice.call.started'],
    streams: { number: 1, retired: 0, recoveries: 0, recentTurns: [] },
    patches: { tenantEvents: true, callTimeline: true, streamFailover: true },
  };
  return { callSid, input: { ...started, continuation } };
}

async function endCall(handle: WorkflowHandle<typeof callWorkflow>, callSid: string) {
  await handle.executeUpdate(requestHangUpUpdate, { args: [{ reason: 'test' }] });
  await handle.signal(twilioStatusSignal, { callSid, status: 'completed', durationSec: 3 });
  return handle.result();
}

test("Twilio's stream-ended report in a continued run's first task gets a new stream", async () => {
  const { callSid, input } = await continuedCall();
  const start = new WithStartWorkflowOperation<typeof callWorkflow>('callWorkflow', {
    taskQueue: stack.config.temporal.taskQueue,
    workflowId: callWorkflowId(input.callId),
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
  });
  const recovery = await client.workflow.executeUpdateWithStart(mediaStreamLostUpdate, {
    args: [{ callSid }],
    startWorkflowOperation: start,
  });
  assert.deepEqual(recovery, { action: 'reconnect', stream: 2 });
  const handle = await start.workflowHandle();
  const state = await handle.query(callStateQuery);
  assert.equal(state.phase, 'connected');
  assert.equal(state.streamSid, undefined);
  assert.equal(state.stream, 2);
  await endCall(handle, callSid);
});

test("the bridge's lost-socket report in a continued run's first task keeps the call going", async () => {
  const { callSid, input } = await continuedCall();
  const handle = await client.workflow.signalWithStart<
    typeof callWorkflow,
    [{ streamSid: string; reason: string }]
  >('callWorkflow', {
    taskQueue: stack.config.temporal.taskQueue,
    workflowId: callWorkflowId(input.callId),
    args: [input],
    signal: mediaStreamEndedSignal,
    signalArgs: [{ streamSid: 'MZ1', reason: 'twilio_socket_closed' }],
  });
  // The call waits for Twilio to ask for a replacement; then it hands one out.
  const recovery = await handle.executeUpdate(mediaStreamLostUpdate, { args: [{ callSid }] });
  assert.deepEqual(recovery, { action: 'reconnect', stream: 2 });
  await endCall(handle, callSid);
});

test('a replacement for a stream that never carried a word greets the caller; a later one resumes', async () => {
  const { callSid, callId, input } = await recordInboundCall(stack);
  const handle = await client.workflow.signalWithStart<typeof callWorkflow, [TwilioStatusEvent]>(
    'callWorkflow',
    {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: callWorkflowId(callId),
      args: [input],
      signal: twilioStatusSignal,
      signalArgs: [{ callSid, status: 'in-progress' }],
    },
  );
  // The first stream's bridge died before the stream attached: the caller has heard nothing.
  assert.deepEqual(await handle.executeUpdate(mediaStreamLostUpdate, { args: [{ callSid }] }), {
    action: 'reconnect',
    stream: 2,
  });
  const second = await handle.executeUpdate(attachMediaStreamUpdate, {
    args: [{ streamSid: 'MZ2', callSid, stream: 2 }],
  });
  assert.equal(second.greeting, 'Hello! This is the StateSet demo agent. Please go ahead.');
  assert.equal(second.resume, undefined);

  await handle.signal(transcriptTurnSignal, {
    role: 'agent',
    text: 'Hello! This is the StateSet demo agent. Please go ahead.',
    interrupted: false,
    startedAt: new Date().toISOString(),
  });
  assert.deepEqual(await handle.executeUpdate(mediaStreamLostUpdate, { args: [{ callSid }] }), {
    action: 'reconnect',
    stream: 3,
  });
  const third = await handle.executeUpdate(attachMediaStreamUpdate, {
    args: [{ streamSid: 'MZ3', callSid, stream: 3 }],
  });
  assert.equal(third.greeting, undefined);
  assert.equal(third.resume?.turns.length, 1);
  await endCall(handle, callSid);
});

test('a stream lost past the last replacement is recorded lost, and the call ends without waiting on it', async () => {
  const { callSid, input } = await continuedCall();
  const handle = await client.workflow.start<typeof callWorkflow>('callWorkflow', {
    taskQueue: stack.config.temporal.taskQueue,
    workflowId: callWorkflowId(input.callId),
    args: [input],
  });
  // Stream 1 (MZ1) is live; three replacements connect and are lost in turn.
  for (const stream of [2, 3, 4]) {
    assert.deepEqual(await handle.executeUpdate(mediaStreamLostUpdate, { args: [{ callSid }] }), {
      action: 'reconnect',
      stream,
    });
    await handle.executeUpdate(attachMediaStreamUpdate, {
      args: [{ streamSid: `MZ${stream}`, callSid, stream }],
    });
  }
  const lostAt = Date.now();
  assert.deepEqual(await handle.executeUpdate(mediaStreamLostUpdate, { args: [{ callSid }] }), {
    action: 'hold',
  });
  const result = await handle.result();
  assert.equal(result.endReason, 'media_lost');
  assert.equal(result.outcome, 'failed');
  // The last stream's bridge is gone: nothing is owed by it, so the record closes at once.
  assert.ok(Date.now() - lostAt < 8_000, `closed ${Date.now() - lostAt} ms after the loss`);
  const lost = await stack.db.query<{ stream: number }>(
    `SELECT (detail->>'stream')::int AS stream FROM call_events
     WHERE call_id = $1 AND type = 'media_lost' ORDER BY stream`,
    [input.callId],
  );
  assert.deepEqual(
    lost.rows.map((row) => row.stream),
    [1, 2, 3, 4],
  );
});

test("a stream-ended report in a new call's first task waits for the failover decision", async () => {
  const { callSid, input } = await continuedCall();
  const fresh: CallWorkflowInput = { ...input, continuation: undefined };
  const start = new WithStartWorkflowOperation<typeof callWorkflow>('callWorkflow', {
    taskQueue: stack.config.temporal.taskQueue,
    workflowId: callWorkflowId(fresh.callId),
    args: [fresh],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
  });
  const recovery = await client.workflow.executeUpdateWithStart(mediaStreamLostUpdate, {
    args: [{ callSid }],
    startWorkflowOperation: start,
  });
  assert.deepEqual(recovery, { action: 'reconnect', stream: 2 });
  await endCall(await start.workflowHandle(), callSid);
});
