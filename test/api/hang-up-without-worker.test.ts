/**
 * Found by `npm run fuzz`: hanging up a live call whose workflow no worker
 * serves waited on Temporal for as long as the client would wait (the fuzzer
 * gave up after 20 s). The hang-up is an update the workflow must answer; with
 * every worker gone that is a dependency outage: 503 with Retry-After within
 * the Temporal request deadline, and the call is left as it was.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  asTenant,
  createApprovedAgent,
  createRoute,
  createTenantWithKey,
  expectStatus,
} from '../support/admin-client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const REQUEST_TIMEOUT_MS = 2_000;

let harness: ApiHarness;
before(async () => {
  // The harness's task queue has no worker: every call workflow it starts waits.
  harness = await startApiHarness({
    environment: { TEMPORAL_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
  });
});
after(() => harness.stop());

test('hanging up a call no worker serves is 503 with Retry-After, not a request that never ends', async (t) => {
  const { tenant, key } = await createTenantWithKey(harness, 'Workerless');
  const { agent, version } = await createApprovedAgent(harness, tenant.id);
  await createRoute(harness, tenant.id, agent.id, '+15005550601', [[version.id, 100]]);
  const call = await expectStatus(
    asTenant(harness, key, 'POST', '/api/v1/make-call', {
      to: '+15005550006',
      from: '+15005550601',
      agent_key: 'support',
    }),
    202,
  );

  const startedAt = Date.now();
  const answer = await asTenant(harness, key, 'POST', `/api/v1/calls/${call.call_id}/hangup`, {});
  const tookMs = Date.now() - startedAt;
  t.diagnostic(`hang-up answered ${answer.status} after ${tookMs} ms`);

  assert.equal(answer.status, 503);
  assert.equal(answer.body.error.code, 'dependency_unavailable');
  assert.match(answer.headers.get('retry-after') ?? '', /^\d+$/);
  assert.ok(tookMs < REQUEST_TIMEOUT_MS + 10_000, `answered after ${tookMs} ms`);
  const row = await harness.db.query<{ ended_at: Date | null }>(
    'SELECT ended_at FROM calls WHERE id = $1',
    [call.call_id],
  );
  assert.equal(row.rows[0]?.ended_at, null);
});
