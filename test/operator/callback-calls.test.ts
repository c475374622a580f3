import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectClient } from '../../lib/temporal.js';
import { DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { ESCALATED } from '../../workflows/search-attributes.js';
import { expectApi } from '../support/operator-client.js';
import { eventually, startTestStack } from '../support/stack.js';
import { findByQuery } from '../support/visibility.js';

const CALLEE = '+15005550771';
let stack: Stack;

before(async () => {
  stack = await startTestStack();
  // Short spacing so a retry comes seconds later (the dev server, real time, no time skipping).
  await stack.db.query('UPDATE tenants SET callback_policy = $2 WHERE id = $1', [
    stack.tenant.tenantId,
    { max_attempts: 3, spacing_sec: 5, time_zone: 'UTC', quiet_hours: null },
  ]);
});
after(() => stack.stop());

test('a scheduled callback fires on its timer, is retried after a busy line, and completes when answered', async () => {
  stack.phone.setParty(CALLEE, { answer: 'busy' });
  const dueAt = new Date(Date.now() + 3_000);
  const task = await expectApi(stack, 'POST', '/callbacks', 201, {
    phone_number: CALLEE,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
    reason: 'call me back in a moment',
    due_at: dueAt.toISOString(),
  });
  assert.equal(task.status, 'scheduled');
  assert.equal(task.workflow_id, `callback-${task.id}`);

  const first = await eventually(
    async () => {
      const current = await expectApi(stack, 'GET', `/callbacks/${task.id}`, 200);
      return current.history.length === 1 ? current : undefined;
    },
    60_000,
    'the first attempt',
  );
  assert.equal(first.history[0].outcome, 'busy');
  const firstCall = [...stack.phone.calls.values()].find((call) => call.to === CALLEE);
  assert.ok(
    firstCall && firstCall.createdAt.getTime() >= dueAt.getTime(),
    'not placed before it was due',
  );
  // The callee is free now; the next attempt comes after the tenant's spacing.
  stack.phone.setParty(CALLEE, { answer: 'answer', maxCallMs: 3_000 });

  const done = await eventually(
    async () => {
      const current = await expectApi(stack, 'GET', `/callbacks/${task.id}`, 200);
      return current.status === 'completed' ? current : undefined;
    },
    120_000,
    'the callback to complete',
  );
  assert.equal(done.attempts, 2);
  assert.equal(done.disposition, 'reached');
  assert.deepEqual(
    done.history.map((row: { outcome: string }) => row.outcome),
    ['busy', 'completed'],
  );

  const calls = [...stack.phone.calls.values()].filter((call) => call.to === CALLEE);
  assert.equal(calls.length, 2, 'one call per attempt');
  const placed = await expectApi(stack, 'GET', `/call-logs/${done.last_call_id}`, 200);
  assert.equal(placed.direction, 'outbound');
  assert.equal(placed.status, 'completed');
  assert.equal(placed.to, CALLEE);

  // Each attempt is a call workflow of its own, filterable like any call, naming its task.
  const client = await connectClient(stack.config);
  try {
    const tenant = `TenantId = '${stack.tenant.tenantId}' AND WorkflowKind = 'call'`;
    const reached = await findByQuery(
      client,
      `${tenant} AND WorkflowId = 'call-${done.last_call_id}' AND CallDirection = 'outbound' AND ` +
        `CallStatus = 'completed' AND AgentVersion = '${stack.tenant.agentVersionId}' AND ` +
        'Escalated = false',
    );
    assert.equal(reached.memo?.callbackTaskId, task.id);
    assert.equal(reached.memo?.to, '+1500***0771');
    const busy = await findByQuery(
      client,
      `${tenant} AND WorkflowId = 'call-${first.history[0].call_id}' AND CallStatus = 'busy'`,
    );
    assert.equal(busy.typedSearchAttributes.get(ESCALATED), false);
    const description = await client.workflow.getHandle(busy.workflowId).describe();
    assert.equal(
      await description.staticSummary(),
      'outbound call from +1500***0001 to +1500***0771 (callback)',
    );
  } finally {
    await client.connection.close();
  }
});

test('a callback that spent its attempts fails, and a retry through the API tries once more', async () => {
  const callee = '+15005550773';
  await expectApi(stack, 'PUT', '/callbacks/policy', 200, {
    max_attempts: 1,
    spacing_sec: 5,
    time_zone: 'UTC',
    quiet_hours: null,
  });
  stack.phone.setParty(callee, { answer: 'busy' });
  const task = await expectApi(stack, 'POST', '/callbacks', 201, {
    phone_number: callee,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
  });
  const failed = await eventually(
    async () => {
      const current = await expectApi(stack, 'GET', `/callbacks/${task.id}`, 200);
      return current.status === 'failed' ? current : undefined;
    },
    60_000,
    'the callback to fail',
  );
  assert.equal(failed.disposition, 'attempts_exhausted');
  assert.deepEqual(
    failed.history.map((row: { outcome: string }) => row.outcome),
    ['busy'],
  );

  stack.phone.setParty(callee, { answer: 'answer', maxCallMs: 3_000 });
  const retried = await expectApi(stack, 'POST', `/callbacks/${task.id}/retry`, 200, {});
  assert.equal(retried.status, 'scheduled');
  const done = await eventually(
    async () => {
      const current = await expectApi(stack, 'GET', `/callbacks/${task.id}`, 200);
      return current.status === 'completed' ? current : undefined;
    },
    120_000,
    'the retried callback to complete',
  );
  assert.deepEqual(
    done.history.map((row: { outcome: string }) => row.outcome),
    ['busy', 'completed'],
  );
  assert.equal([...stack.phone.calls.values()].filter((call) => call.to === callee).length, 2);
  const policy = await expectApi(stack, 'GET', '/callbacks/policy', 200);
  assert.equal(policy.max_attempts, 1);
});

test('a canceled callback never rings', async () => {
  const task = await expectApi(stack, 'POST', '/callbacks', 201, {
    phone_number: '+15005550772',
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
    due_at: new Date(Date.now() + 4_000).toISOString(),
  });
  const canceled = await expectApi(stack, 'POST', `/callbacks/${task.id}/cancel`, 200, {
    reason: 'resolved by email',
  });
  assert.equal(canceled.status, 'canceled');
  await expectApi(stack, 'POST', `/callbacks/${task.id}/cancel`, 409, {});
  const client = await connectClient(stack.config);
  try {
    assert.equal(await client.workflow.getHandle(task.workflow_id).result(), 'canceled');
  } finally {
    await client.connection.close();
  }
  assert.equal(
    [...stack.phone.calls.values()].filter((call) => call.to === '+15005550772').length,
    0,
  );
  const after = await expectApi(stack, 'GET', `/callbacks/${task.id}`, 200);
  assert.equal(after.status, 'canceled');
  assert.equal(after.attempts, 0);
});
