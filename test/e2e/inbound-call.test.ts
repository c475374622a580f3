import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { inboundCallId } from '../../workflows/ids.js';
import { readingParty } from '../support/fixtures.js';
import { startTestStack } from '../support/stack.js';
import { assertCompleteConversation, waitForEvaluatedRecord } from './call-record.js';

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
});
