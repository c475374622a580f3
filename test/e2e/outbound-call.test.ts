import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { readingParty } from '../support/fixtures.js';
import { postJson, startTestStack } from '../support/stack.js';
import { assertCompleteConversation, waitForEvaluatedRecord } from './call-record.js';

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

  // The workflow is findable in the Temporal UI by tenant and status.
  const client = (await import('../../lib/temporal.js')).connectClient(stack.config);
  const handle = (await client).workflow.getHandle(record.workflow_id);
  const description = await handle.describe();
  assert.deepEqual(description.searchAttributes.TenantId, [stack.tenant.tenantId]);
  assert.deepEqual(description.searchAttributes.CallStatus, ['completed']);
  assert.deepEqual(description.searchAttributes.CallDirection, ['outbound']);
  const result = await handle.result();
  assert.equal(result.status, 'completed');
  assert.equal(result.evaluation, 'stored');
});
