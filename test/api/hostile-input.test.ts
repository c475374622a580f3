import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { startApiHarness } from '../support/api-harness.js';
import { getJson, postJson, startTestStack } from '../support/stack.js';

let stack: Stack;
before(async () => {
  stack = await startTestStack({
    parties: { [DEMO_CALLEE]: { answer: 'no-answer', ringMs: 60_000 } },
  });
});
after(() => stack.stop());

test('a NUL byte or an unpaired surrogate is a 400 naming the field, never a 500', async () => {
  const cases: Array<[unknown, string]> = [
    [{ to: DEMO_CALLEE, from: DEMO_NUMBER, agent_key: 'demo\u0000agent' }, 'agent_key'],
    [
      { to: DEMO_CALLEE, from: DEMO_NUMBER, agent_key: 'demo-agent', metadata: { a: 'x\u0000y' } },
      'metadata.a',
    ],
    [
      { to: DEMO_CALLEE, from: DEMO_NUMBER, agent_key: 'demo-agent', metadata: { a: '\ud800' } },
      'metadata.a',
    ],
  ];
  for (const [body, field] of cases) {
    const response = await postJson(stack, '/api/v1/make-call', body);
    assert.equal(response.status, 400);
    assert.deepEqual(
      response.body.error.details.map((d: { field: string }) => d.field),
      [field],
    );
  }
  const count = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls');
  assert.equal(count.rows[0]?.n, 0);
});

test('JSON nested thousands deep is a 400 naming where, never a 500 (the walk has no recursion)', async () => {
  // Written out by hand: even JSON.stringify runs out of stack on it.
  const nested = `${'['.repeat(5_000)}"x"${']'.repeat(5_000)}`;
  const response = await fetch(`${stack.apiUrl}/api/v1/make-call`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.tenant.apiKey}`,
      'content-type': 'application/json',
    },
    body: `{"to":"${DEMO_CALLEE}","from":"${DEMO_NUMBER}","agent_key":"demo-agent","metadata":${nested}}`,
  });
  assert.equal(response.status, 400);
  const answer = (await response.json()) as {
    error: { details: Array<{ field: string; message: string }> };
  };
  const [detail] = answer.error.details;
  assert.ok(detail);
  assert.equal(detail.message, 'nested more than 64 levels deep');
  assert.ok(detail.field.startsWith('metadata.0.0.'), detail.field);
});

test('a call id with characters no id has is a 400, not a database error', async () => {
  for (const id of ['%00', 'call_%00x', '..%2F..%2Fetc']) {
    const response = await getJson(stack, `/api/v1/call-logs/${id}`);
    assert.equal(response.status, 400, id);
    assert.equal(response.body.error.code, 'invalid_request');
  }
});

test('an Idempotency-Key replay matches whatever order the metadata keys come in', async () => {
  const base = { to: DEMO_CALLEE, from: DEMO_NUMBER, agent_key: stack.tenant.agentKey };
  const first = await postJson(
    stack,
    '/api/v1/make-call',
    { ...base, metadata: { a: 1, b: 2 } },
    { 'idempotency-key': 'order' },
  );
  const again = await postJson(
    stack,
    '/api/v1/make-call',
    { metadata: { b: 2, a: 1 }, ...base },
    { 'idempotency-key': 'order' },
  );
  assert.equal(first.status, 202);
  assert.equal(again.status, 202);
  assert.equal(again.body.call_id, first.body.call_id);
});

test('without an admin key neither the admin API nor its document exists', async () => {
  const harness = await startApiHarness({ adminApiKey: null });
  try {
    assert.equal((await harness.request('GET', '/api-docs/admin.json')).status, 404);
    assert.equal((await harness.request('GET', '/api-docs/public.json')).status, 200);
    const page = await fetch(`${harness.url}/docs/swagger-ui-init.js`);
    assert.equal((await page.text()).includes('admin.json'), false);
  } finally {
    await harness.stop();
  }
});

test('a bad header or an unknown query parameter is a 400 naming it, on every kind of route', async () => {
  const badKey = await postJson(
    stack,
    '/api/v1/make-call',
    { to: DEMO_CALLEE, from: DEMO_NUMBER, agent_key: 'demo-agent' },
    { 'idempotency-key': 'caf\u00e9' },
  );
  assert.equal(badKey.status, 400);
  assert.deepEqual(
    badKey.body.error.details.map((d: { field: string }) => d.field),
    ['header Idempotency-Key'],
  );
  const unknown = await getJson(stack, '/api/v1/voice-sessions?colour=blue');
  assert.equal(unknown.status, 400);
  assert.deepEqual(
    unknown.body.error.details.map((d: { field: string }) => d.field),
    ['colour'],
  );
});
