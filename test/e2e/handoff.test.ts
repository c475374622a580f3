/**
 * Handoffs end to end: the simulated model calls transfer_to_human, the call
 * workflow moves the live call with Twilio REST updates, and the phone
 * simulator's operators answer, or do not.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../lib/temporal.js';
import { CALL_STATUS, ESCALATED } from '../../workflows/search-attributes.js';
import { DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import type { ScenarioFactory } from '../../simulators/realtime/index.js';
import type { SimulatedCall } from '../../simulators/phone/index.js';
import { expectApi } from '../support/operator-client.js';
import { eventually, startTestStack } from '../support/stack.js';
import { assertTimeline } from './call-record.js';

const COLD_OPERATOR = '+15005550901';
const ABSENT_OPERATOR = '+15005550902';
const WARM_OPERATOR = '+15005550903';
let stack: Stack;
let client: Client;
let versionId: string;
let ruleVersionId: string;

async function insertApprovedVersion(number: number, config: Record<string, unknown>) {
  const id = `ver_handoff_${randomBytes(4).toString('hex')}`;
  await stack.db.query(
    `INSERT INTO agent_versions (id, tenant_id, agent_id, version, status, config, created_by, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, 'approved', $5, 'author@example.com', 'approver@example.com', now())`,
    [id, stack.tenant.tenantId, stack.tenant.agentId, number, config],
  );
  return id;
}

/** The agent greets, then hands the caller on with these arguments. */
function transferScenario(args: Record<string, string>): ScenarioFactory {
  return (session) => {
    let greeted = false;
    session.onResponseRequested(() => {
      if (greeted) return undefined;
      greeted = true;
      return {
        items: [
          { say: 'Hello, let me get you a person.' },
          { call: 'transfer_to_human', arguments: args },
        ],
      };
    });
  };
}

before(async () => {
  stack = await startTestStack({
    parties: {
      [COLD_OPERATOR]: { answer: 'answer', maxCallMs: 3_000 },
      [ABSENT_OPERATOR]: { answer: 'no-answer' },
      [WARM_OPERATOR]: { answer: 'answer', maxCallMs: 12_000 },
    },
  });
  client = await connectClient(stack.config);
  const demo = await stack.db.query<{ config: Record<string, any> }>(
    'SELECT config FROM agent_versions WHERE id = $1',
    [stack.tenant.agentVersionId],
  );
  const config = {
    ...demo.rows[0]?.config,
    tools: [
      { type: 'builtin', name: 'transfer_to_human' },
      { type: 'builtin', name: 'end_call' },
    ],
  };
  versionId = await insertApprovedVersion(99, config);
  ruleVersionId = await insertApprovedVersion(100, {
    ...config,
    tools: [{ type: 'builtin', name: 'end_call' }],
    escalation_rules: [
      {
        id: 'tools-keep-failing',
        trigger: 'tool_error_streak',
        threshold: 2,
        action: 'transfer_to_human',
        target: 'front-desk',
      },
    ],
  });
  for (const [name, operator_number] of [
    ['front-desk', COLD_OPERATOR],
    ['night-desk', ABSENT_OPERATOR],
    ['warm-desk', WARM_OPERATOR],
  ]) {
    await expectApi(stack, 'POST', '/queues', 201, { name, operator_number });
  }
});
after(async () => {
  await client.connection.close();
  await stack.stop();
});

async function callThatHandsOff(
  callee: string,
  args: Record<string, string>,
  options: { version?: string; scenario?: ScenarioFactory } = {},
) {
  stack.model.setScenario(options.scenario ?? transferScenario(args));
  stack.phone.setParty(callee, { answer: 'answer', maxCallMs: 90_000 });
  const accepted = await expectApi(stack, 'POST', '/make-call', 202, {
    to: callee,
    from: DEMO_NUMBER,
    agent_version_id: options.version ?? versionId,
  });
  const record = await eventually(
    async () => {
      const current = await expectApi(stack, 'GET', `/call-logs/${accepted.call_id}`, 200);
      return ['completed', 'failed'].includes(current.status) && current.ended_at
        ? current
        : undefined;
    },
    150_000,
    'the call to end',
  );
  const handoff = record.events.find((event: { type: string }) => event.type === 'handoff');
  assert.ok(
    handoff,
    `a handoff event among ${record.events.map((event: { type: string }) => event.type)}`,
  );
  const phoneCall = [...stack.phone.calls.values()].find(
    (call) => call.to === callee,
  ) as SimulatedCall;
  return { record, handoff: handoff.detail, phoneCall };
}

test('a cold transfer dials the operator, who answers, and the call ends when they hang up', async () => {
  const { record, handoff, phoneCall } = await callThatHandsOff('+15005550911', {
    mode: 'cold',
    queue: 'front-desk',
    reason: 'billing',
  });
  assert.equal(handoff.mode, 'cold');
  assert.equal(handoff.outcome, 'connected');
  assert.equal(handoff.callbackTaskId, null);
  assert.equal(record.status, 'completed');
  assert.equal(phoneCall.dials.length, 1);
  assert.equal(phoneCall.dials[0]?.target, COLD_OPERATOR);
  assert.equal(phoneCall.dials[0]?.status, 'completed');
  assert.ok(phoneCall.dials[0]?.answeredAtMs !== null);
  assert.ok(
    phoneCall.twimlDocuments.some(
      (doc) =>
        doc.source === 'update' && doc.document.includes(`<Number>${COLD_OPERATOR}</Number>`),
    ),
  );
  assert.ok(
    phoneCall.webhooks.some((hook) => hook.purpose === 'dial-action' && hook.httpStatus === 200),
  );

  const listed = await eventually(
    async () => {
      const found = await client.workflow
        .list({
          query: `TenantId = '${stack.tenant.tenantId}' AND WorkflowKind = 'call' AND Escalated = true`,
        })
        [Symbol.asyncIterator]()
        .next();
      return found.done ? undefined : found.value;
    },
    30_000,
    'the escalated call in visibility',
  );
  assert.equal(listed.workflowId, `call-${record.id}`);
  assert.equal(listed.typedSearchAttributes.get(ESCALATED), true);
  assert.equal(listed.typedSearchAttributes.get(CALL_STATUS), 'completed');

  // The record and the call-log list say it too, and the timeline shows the handoff in its place.
  assert.equal(record.escalated, true);
  const escalated = await expectApi(stack, 'GET', '/call-logs?escalated=true', 200);
  assert.deepEqual(
    escalated.data.map((call: { id: string }) => call.id),
    [record.id],
  );
  const notEscalated = await expectApi(stack, 'GET', '/call-logs?escalated=false', 200);
  assert.ok(!notEscalated.data.some((call: { id: string }) => call.id === record.id));
  assertTimeline(
    record,
    [
      'dialed',
      'ringing',
      'answered',
      'media_connected',
      'tool',
      'handoff_started',
      'handoff',
      'ended',
    ],
    true,
  );
  const started = record.events.find((event: { type: string }) => event.type === 'handoff_started');
  assert.deepEqual(started.detail, {
    mode: 'cold',
    trigger: 'transfer_to_human',
    queue: 'front-desk',
  });
});

test('a transfer nobody answers tells the caller and leaves a callback task in the queue', async () => {
  const { record, handoff, phoneCall } = await callThatHandsOff('+15005550912', {
    mode: 'cold',
    queue: 'night-desk',
    reason: 'refund',
  });
  assert.equal(handoff.outcome, 'no_answer');
  assert.equal(phoneCall.dials[0]?.status, 'no-answer');
  const apology = phoneCall.twimlDocuments.at(-1);
  assert.equal(apology?.source, 'webhook');
  assert.match(apology?.document ?? '', /nobody from our team can take your call/);

  const tasks = await expectApi(stack, 'GET', `/callbacks?call_id=${record.id}`, 200);
  assert.equal(tasks.data.length, 1);
  const [task] = tasks.data;
  assert.equal(task.id, handoff.callbackTaskId);
  assert.equal(task.source, 'handoff');
  assert.equal(task.phone_number, '+15005550912');
  assert.equal(task.reason, 'refund');
  assert.equal(task.links.transcript, `/api/v1/call-logs/${record.id}/transcript`);
  assert.equal(task.links.evaluation, `/api/v1/call-logs/${record.id}/evaluation`);
  await eventually(
    async () => {
      const current = await expectApi(stack, 'GET', `/callbacks/${task.id}`, 200);
      return current.status === 'open' ? true : undefined;
    },
    30_000,
    'the task to open in the queue',
  );
});

test('a warm transfer holds the caller while the operator hears a summary, then connects them', async () => {
  const { handoff, phoneCall, record } = await callThatHandsOff('+15005550913', {
    mode: 'warm',
    queue: 'warm-desk',
    reason: 'damaged parcel',
  });
  assert.equal(handoff.mode, 'warm');
  assert.equal(handoff.outcome, 'connected');
  assert.ok(
    phoneCall.twimlDocuments.some(
      (doc) => doc.source === 'update' && /<Play loop="0">/.test(doc.document),
    ),
    'hold music',
  );

  const operatorLeg = [...stack.phone.calls.values()].find(
    (call) => call.to === WARM_OPERATOR,
  ) as SimulatedCall;
  assert.ok(operatorLeg, 'a second leg to the operator');
  assert.equal(operatorLeg.from, DEMO_NUMBER);
  assert.match(
    operatorLeg.twimlDocuments[0]?.document ?? '',
    /<Say>Transfer from the voice agent after \d+ turns\. Reason: damaged parcel\./,
  );
  const room = `conference:handoff-${record.id}`;
  assert.equal(operatorLeg.dials[0]?.target, room);
  assert.equal(phoneCall.dials[0]?.target, room);
  assert.equal(phoneCall.dials[0]?.status, 'completed');
});

test('a streak of tool errors escalates by the version rule, to the queue the rule names', async () => {
  const failingTools: ScenarioFactory = (session) => {
    let greeted = false;
    session.onResponseRequested(() => {
      if (greeted) return undefined;
      greeted = true;
      return {
        items: [
          { say: 'Let me look that up.' },
          { call: 'lookup_account', arguments: {} },
          { call: 'lookup_account', arguments: { retry: true } },
        ],
      };
    });
  };
  const { handoff, phoneCall } = await callThatHandsOff(
    '+15005550914',
    {},
    { version: ruleVersionId, scenario: failingTools },
  );
  assert.equal(handoff.trigger, 'tools-keep-failing');
  assert.equal(handoff.mode, 'cold');
  assert.equal(handoff.outcome, 'connected');
  assert.equal(phoneCall.dials[0]?.target, COLD_OPERATOR);
});
