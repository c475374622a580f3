import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../lib/temporal.js';
import type { Stack } from '../../scripts/stack.js';
import { callWorkflowId } from '../../workflows/ids.js';
import {
  attachMediaStreamUpdate,
  callStateQuery,
  requestHangUpUpdate,
  twilioStatusSignal,
} from '../../workflows/messages.js';
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

test('a signal sent with signalWithStart and an update right after start are both handled (C12)', async () => {
  const { callSid, callId, input } = await recordInboundCall(stack);

  const handle = await client.workflow.signalWithStart('callWorkflow', {
    taskQueue: stack.config.temporal.taskQueue,
    workflowId: callWorkflowId(callId),
    args: [input],
    signal: twilioStatusSignal,
    signalArgs: [{ callSid, status: 'in-progress' }],
  });
  // Sent before the worker has run the workflow's first task: the handler must already exist.
  const session = await handle.executeUpdate(attachMediaStreamUpdate, {
    args: [{ streamSid: 'MZ1', callSid }],
  });
  assert.equal(session.agentVersionId, stack.tenant.agentVersionId);
  assert.equal(session.greeting, 'Hello! This is the StateSet demo agent. Please go ahead.');
  assert.deepEqual(
    session.tools.map((tool) => tool.name),
    ['end_call', 'check_order_status'],
  );

  const state = await handle.query(callStateQuery);
  assert.equal(state.status, 'in-progress');
  assert.equal(state.streamSid, 'MZ1');

  const hangUp = await handle.executeUpdate(requestHangUpUpdate, { args: [{ reason: 'test' }] });
  assert.equal(hangUp.accepted, true);
  await handle.signal(twilioStatusSignal, { callSid, status: 'completed', durationSec: 3 });
  const result = await handle.result();
  assert.equal(result.status, 'completed');
});

test('a status never moves backwards, whatever order Twilio sends it in', async () => {
  const { callSid, callId, input } = await recordInboundCall(stack);
  const handle = await client.workflow.start('callWorkflow', {
    taskQueue: stack.config.temporal.taskQueue,
    workflowId: callWorkflowId(callId),
    args: [input],
  });
  await handle.signal(twilioStatusSignal, { callSid, status: 'in-progress' });
  await handle.signal(twilioStatusSignal, { callSid, status: 'completed', durationSec: 9 });
  await handle.signal(twilioStatusSignal, { callSid, status: 'ringing' });
  const result = await handle.result();
  assert.equal(result.status, 'completed');
  assert.equal(result.durationSec, 9);
  const row = await stack.db.query<{ status: string; duration_sec: number }>(
    'SELECT status, duration_sec FROM calls WHERE id = $1',
    [callId],
  );
  assert.deepEqual(row.rows[0], { status: 'completed', duration_sec: 9 });
});
