import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { connectClient } from '../../lib/temporal.js';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { eventually, getJson, postJson, startTestStack } from '../support/stack.js';
import { gatewayFor, startSideApp, unreachableTemporal } from '../support/side-app.js';

let stack: Stack;
before(async () => {
  // Nobody answers in this file: the calls ring out while the tests look at the API.
  stack = await startTestStack({
    parties: { [DEMO_CALLEE]: { answer: 'no-answer', ringMs: 60_000 } },
  });
});
after(() => stack.stop());

const valid = () => ({ to: DEMO_CALLEE, from: DEMO_NUMBER, agent_key: stack.tenant.agentKey });

test('refuses a request without a bearer key (401) or with an unknown one (401)', async () => {
  const missing = await fetch(`${stack.apiUrl}/api/v1/make-call`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(missing.status, 401);
  const body = (await missing.json()) as { error: { code: string; requestId: string } };
  assert.equal(body.error.code, 'unauthenticated');
  assert.match(body.error.requestId, /^req_/);

  const unknown = await postJson(stack, '/api/v1/make-call', valid(), {
    authorization: 'Bearer ssv_0123456789_abcdefghijklmnopqrstuvwxyzABCDEF',
  });
  assert.equal(unknown.status, 401);
});

test('names every invalid field, and records nothing', async () => {
  const response = await postJson(stack, '/api/v1/make-call', {
    to: '5550006',
    from: DEMO_NUMBER,
    agent_key: 'x',
    extra: 1,
  });
  assert.equal(response.status, 400);
  assert.equal(response.body.error.code, 'invalid_request');
  const fields = response.body.error.details
    .map((problem: { field: string }) => problem.field)
    .sort();
  assert.deepEqual(fields, ['(body)', 'to']);

  const neither = await postJson(stack, '/api/v1/make-call', {
    to: DEMO_CALLEE,
    from: DEMO_NUMBER,
  });
  assert.equal(neither.status, 400);
  assert.deepEqual(
    neither.body.error.details.map((p: { field: string }) => p.field),
    ['agent_key'],
  );

  const malformed = await postJson(stack, '/api/v1/make-call', '{"to": ');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, 'invalid_body');

  const count = await stack.db.query('SELECT count(*)::int AS n FROM calls');
  assert.equal(count.rows[0]?.n, 0);
});

test('refuses a from number the tenant does not own, and an unapproved version, with 422', async () => {
  const notOwned = await postJson(stack, '/api/v1/make-call', { ...valid(), from: '+15005550099' });
  assert.equal(notOwned.status, 422);
  assert.equal(notOwned.body.error.code, 'from_not_owned');

  await stack.db.query(
    `INSERT INTO agent_versions (id, tenant_id, agent_id, version, status, config, created_by)
     SELECT 'ver_draft', tenant_id, agent_id, 2, 'draft', config, 'someone' FROM agent_versions WHERE id = $1`,
    [stack.tenant.agentVersionId],
  );
  const draft = await postJson(stack, '/api/v1/make-call', {
    to: DEMO_CALLEE,
    from: DEMO_NUMBER,
    agent_version_id: 'ver_draft',
  });
  assert.equal(draft.status, 422);
  assert.equal(draft.body.error.code, 'agent_version_not_approved');
});

test('an Idempotency-Key replays the same call for the same body and conflicts for another', async () => {
  const first = await postJson(stack, '/api/v1/make-call', valid(), {
    'idempotency-key': 'same-key',
  });
  assert.equal(first.status, 202);
  const again = await postJson(stack, '/api/v1/make-call', valid(), {
    'idempotency-key': 'same-key',
  });
  assert.equal(again.status, 202);
  assert.equal(again.body.call_id, first.body.call_id);

  const other = await postJson(
    stack,
    '/api/v1/make-call',
    { ...valid(), metadata: { changed: true } },
    { 'idempotency-key': 'same-key' },
  );
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'conflict');

  const rows = await stack.db.query('SELECT count(*)::int AS n FROM calls');
  assert.equal(rows.rows[0]?.n, 1);
  const record = await getJson(stack, `/api/v1/call-logs/${first.body.call_id}`);
  assert.equal(record.status, 200);
  assert.equal(record.body.id, first.body.call_id);
});

test('a retry after a lost answer (the workflow started, the 503 went back) joins that call: one workflow run, one dial', async () => {
  const since = Date.now();
  const gateway = gatewayFor(stack.config);
  // Temporal took the start, but its answer never reached the api (a timeout on the way back).
  const lossy = {
    ...gateway,
    startCall: async (input: Parameters<typeof gateway.startCall>[0]) => {
      await gateway.startCall(input);
      throw new DependencyUnavailableError('temporal');
    },
  };
  const side = await startSideApp(stack, stack.config, lossy);
  const headers = {
    authorization: `Bearer ${stack.tenant.apiKey}`,
    'content-type': 'application/json',
    'idempotency-key': 'lost-answer',
  };
  const body = JSON.stringify({ ...valid(), metadata: { attempt: 'lost' } });
  try {
    const lost = await fetch(`${side.url}/api/v1/make-call`, {
      method: 'POST',
      headers,
      body,
    });
    assert.equal(lost.status, 503);
  } finally {
    await side.close();
  }
  const client = await connectClient(stack.config);
  try {
    const started = client.workflow.list({
      query: `TaskQueue = '${stack.config.temporal.taskQueue}' AND StartTime > '${new Date(since).toISOString()}'`,
    });
    const runs: Array<{ workflowId: string; runId: string }> = [];
    for await (const execution of started) runs.push(execution);
    assert.equal(runs.length, 1, 'the lost attempt started one workflow');

    const retried = await fetch(`${stack.apiUrl}/api/v1/make-call`, {
      method: 'POST',
      headers,
      body,
    });
    assert.equal(retried.status, 202);
    const callId = ((await retried.json()) as { call_id: string }).call_id;
    assert.equal(runs[0]?.workflowId, `call-${callId}`);
    const described = await client.workflow.getHandle(`call-${callId}`).describe();
    assert.equal(described.runId, runs[0]?.runId, 'the retry joined the run already going');

    // The call goes on once its row exists: it is dialed, once.
    const ours = () =>
      [...stack.phone.calls.values()].filter((call) =>
        call.statusCallbackUrl?.endsWith(`call_id=${callId}`),
      );
    await eventually(async () => (ours().length > 0 ? true : undefined), 30_000, 'the dial');
    await new Promise((done) => setTimeout(done, 2_000));
    assert.equal(ours().length, 1);
    const rows = await stack.db.query('SELECT count(*)::int AS n FROM calls WHERE id = $1', [
      callId,
    ]);
    assert.equal(rows.rows[0]?.n, 1);
  } finally {
    await client.connection.close();
  }
});

test('answers 503 with Retry-After when Temporal is unreachable, and writes nothing', async () => {
  const side = await startSideApp(stack, unreachableTemporal(stack.config));
  try {
    const before = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls');
    const response = await fetch(`${side.url}/api/v1/make-call`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.tenant.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(valid()),
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '2');
    assert.equal(
      ((await response.json()) as { error: { code: string } }).error.code,
      'dependency_unavailable',
    );
    const after = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls');
    assert.equal(after.rows[0]?.n, before.rows[0]?.n);
  } finally {
    await side.close();
  }
});

test("another tenant's call is not found (404)", async () => {
  const first = await postJson(stack, '/api/v1/make-call', valid(), {
    'idempotency-key': 'tenant-check',
  });
  await stack.db.query("INSERT INTO tenants (id, name) VALUES ('ten_other', 'Other')");
  await stack.db.query('UPDATE calls SET tenant_id = $1 WHERE id = $2', [
    'ten_other',
    first.body.call_id,
  ]);
  const response = await getJson(stack, `/api/v1/call-logs/${first.body.call_id}`);
  assert.equal(response.status, 404);
  assert.equal(response.body.error.code, 'not_found');
});
