import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectClient } from '../../lib/temporal.js';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { inboundCallId } from '../../workflows/ids.js';
import { CALL_DIRECTION, CALL_STATUS, ESCALATED } from '../../workflows/search-attributes.js';
import { readingParty } from '../support/fixtures.js';
import { startTestStack } from '../support/stack.js';
import { findByQuery } from '../support/visibility.js';
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

test('an inbound call from a signed webhook runs end to end and leaves its whole record', async () => {
  const call = await stack.phone.placeInboundCall({
    accountSid: stack.config.twilio.accountSid,
    from: DEMO_CALLEE,
    to: DEMO_NUMBER,
    webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
    statusCallbackUrl: `${stack.apiUrl}/api/v1/call-status`,
    party: readingParty(),
  });
  assert.equal(call.webhooks[0]?.httpStatus, 200);

  const record = await waitForEvaluatedRecord(stack, inboundCallId(call.sid));
  assertCompleteConversation(stack, record);
  assert.equal(record.direction, 'inbound');
  assert.equal(record.call_sid, call.sid);
  assert.equal(record.from, DEMO_CALLEE);
  assert.equal(record.to, DEMO_NUMBER);

  const ended = await stack.phone.waitForCallEnd(call.sid, 10_000);
  assert.equal(ended.endedBy, 'api');
  assert.equal(ended.status, 'completed');
  assert.equal(ended.stream?.upgradeStatus, 101);

  // Our number rang (Twilio's webhook), the stream answered it, and the record has its answer
  // time. Routing runs while Twilio opens the stream, so it may land before or after the answer.
  assertTimeline(
    record,
    ['ringing', 'answered', 'media_connected', 'tool', 'tool', 'ended', 'evaluated'],
    true,
  );
  const types = record.events.map((event: { type: string }) => event.type);
  assert.equal(types.length, 8, types.join(', '));
  assert.ok(types.indexOf('routed') > types.indexOf('ringing'), types.join(', '));
  assert.ok(types.indexOf('routed') < types.indexOf('tool'), types.join(', '));
  assert.ok(record.answered_at, 'an inbound call has its answer time');

  const client = await connectClient(stack.config);
  try {
    const listed = await findByQuery(
      client,
      `WorkflowId = '${record.workflow_id}' AND TenantId = '${stack.tenant.tenantId}' AND ` +
        `WorkflowKind = 'call' AND CallDirection = 'inbound' AND CallStatus = 'completed' AND ` +
        `AgentVersion = '${stack.tenant.agentVersionId}' AND Escalated = false`,
    );
    assert.equal(listed.typedSearchAttributes.get(CALL_DIRECTION), 'inbound');
    assert.equal(listed.typedSearchAttributes.get(CALL_STATUS), 'completed');
    assert.equal(listed.typedSearchAttributes.get(ESCALATED), false);
    const description = await client.workflow.getHandle(record.workflow_id).describe();
    assert.equal(
      await description.staticSummary(),
      'inbound call from +1500***0006 to +1500***0001',
    );
    assert.equal(listed.memo?.from, '+1500***0006');
  } finally {
    await client.connection.close();
  }
});
