import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectClient } from '../../lib/temporal.js';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import {
  AGENT_VERSION,
  CALL_DIRECTION,
  CALL_STATUS,
  ESCALATED,
  TENANT_ID,
  WORKFLOW_KIND,
} from '../../workflows/search-attributes.js';
import { readingParty } from '../support/fixtures.js';
import { postJson, startTestStack } from '../support/stack.js';
import { activitySummaries, findByQuery } from '../support/visibility.js';
import {
  assertCompleteConversation,
  assertTimeline,
  waitForEvaluatedRecord,
} from './call-record.js';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

test('an outbound call placed through make-call runs end to end and leaves its whole record', async () => {
  stack.phone.setParty(DEMO_CALLEE, readingParty());

  const accepted = await postJson(
    stack,
    '/api/v1/make-call',
    {
      to: DEMO_CALLEE,
      from: DEMO_NUMBER,
      agent_key: stack.tenant.agentKey,
      metadata: { campaign: 'e2e' },
    },
    { 'idempotency-key': 'outbound-e2e-1' },
  );
  assert.equal(accepted.status, 202);
  assert.match(accepted.body.call_id, /^call_/);
  assert.equal(accepted.body.workflow_id, `call-${accepted.body.call_id}`);
  assert.equal(accepted.body.status, 'queued');

  const record = await waitForEvaluatedRecord(stack, accepted.body.call_id);
  assertCompleteConversation(stack, record);
  assert.equal(record.direction, 'outbound');
  assert.equal(record.agent_version_id, stack.tenant.agentVersionId);
  assert.deepEqual(record.metadata, { campaign: 'e2e' });
  assert.ok(record.temporal_ui_url.endsWith(`/workflows/${record.workflow_id}`));

  // Twilio's side: the agent hung up through the REST API after the goodbye played.
  const phoneCall = [...stack.phone.calls.values()].find((call) => call.sid === record.call_sid);
  assert.ok(phoneCall);
  assert.equal(phoneCall.endedBy, 'api');
  assert.deepEqual(
    phoneCall.statusCallbacks.map((callback) => [callback.status, callback.httpStatus]),
    [
      ['initiated', 204],
      ['ringing', 204],
      ['in-progress', 204],
      ['completed', 204],
    ],
  );
  const lastMark = phoneCall.stream?.marksReturned.at(-1);
  assert.ok(lastMark && phoneCall.stream?.stoppedAtMs !== null);

  // The timeline: every step once, in the order it happened, each with its time.
  assertTimeline(record, [
    'routed',
    'dialed',
    'ringing',
    'answered',
    'media_connected',
    'tool',
    'tool',
    'ended',
    'evaluated',
  ]);
  const media = record.events.find((event: any) => event.type === 'media_connected');
  assert.deepEqual(media.detail, { streamSid: phoneCall.stream?.streamSid });
  assert.deepEqual(
    record.events
      .filter((event: any) => event.type === 'tool')
      .map((event: any) => event.detail.name),
    ['check_order_status', 'end_call'],
  );

  // The call as an operator finds it in the Temporal UI: every search attribute, read back from
  // visibility, with the values the finished call has.
  const client = await connectClient(stack.config);
  try {
    const listed = await findByQuery(
      client,
      `WorkflowId = '${record.workflow_id}' AND TenantId = '${stack.tenant.tenantId}' AND ` +
        `WorkflowKind = 'call' AND CallDirection = 'outbound' AND CallStatus = 'completed' AND ` +
        `AgentVersion = '${stack.tenant.agentVersionId}' AND Escalated = false`,
    );
    const attributes = listed.typedSearchAttributes;
    assert.equal(attributes.get(TENANT_ID), stack.tenant.tenantId);
    assert.equal(attributes.get(WORKFLOW_KIND), 'call');
    assert.equal(attributes.get(CALL_DIRECTION), 'outbound');
    assert.equal(attributes.get(CALL_STATUS), 'completed');
    assert.equal(attributes.get(AGENT_VERSION), stack.tenant.agentVersionId);
    assert.equal(attributes.get(ESCALATED), false);
    assert.equal(listed.type, 'callWorkflow');

    // Memo and summaries say what the call is, with the numbers masked.
    assert.deepEqual(listed.memo, {
      callId: record.id,
      tenantId: stack.tenant.tenantId,
      direction: 'outbound',
      from: '+1500***0001',
      to: '+1500***0006',
      agentId: stack.tenant.agentId,
    });
    const description = await client.workflow.getHandle(record.workflow_id).describe();
    assert.equal(
      await description.staticSummary(),
      'outbound call from +1500***0001 to +1500***0006',
    );
    assert.match((await description.staticDetails()) ?? '', new RegExp(`call-logs/${record.id}`));
    const summaries = await activitySummaries(client, record.workflow_id);
    for (const expected of [
      'pick the agent version (rollout policy)',
      'dial +1500***0006',
      'record ringing',
      'record media_connected',
      'run tool check_order_status',
      'record tool check_order_status: succeeded',
      'record the end: completed, completed',
      'evaluate the call (checks and judge)',
    ])
      assert.ok(summaries.includes(expected), `${expected} among ${summaries.join(' | ')}`);
    assert.ok(
      summaries.every((summary) => summary !== ''),
      'every activity has a summary',
    );
    const shown = JSON.stringify([listed.memo, summaries, await description.staticDetails()]);
    for (const number of [DEMO_CALLEE, DEMO_NUMBER]) assert.ok(!shown.includes(number), number);

    const result = await client.workflow.getHandle(record.workflow_id).result();
    assert.equal(result.status, 'completed');
    assert.equal(result.evaluation, 'stored');
  } finally {
    await client.connection.close();
  }
});
