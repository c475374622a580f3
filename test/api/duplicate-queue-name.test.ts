/**
 * Found by `npm run fuzz`: a second queue with a name the tenant already uses
 * hit the unique constraint and answered 500. It is a conflict (409, in the
 * documented envelope), and the name stays free for every other tenant.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { asTenant, createTenantWithKey, expectStatus } from '../support/admin-client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { documentedAnswers } from '../support/documented-answers.js';

let harness: ApiHarness;
before(async () => {
  harness = await startApiHarness();
});
after(() => harness.stop());

test('a queue named like one the tenant has is 409 conflict, not 500, and no second row', async () => {
  const ours = await createTenantWithKey(harness, 'Queues', { scopes: ['operator'] });
  const theirs = await createTenantWithKey(harness, 'Neighbour', { scopes: ['operator'] });
  const queue = { name: 'Support', members: ['ops@example.com'] };

  await expectStatus(asTenant(harness, ours.key, 'POST', '/api/v1/queues', queue), 201);
  const again = await asTenant(harness, ours.key, 'POST', '/api/v1/queues', queue);

  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'conflict');
  assert.match(again.body.error.message, /already has a queue named Support/);
  const documents = await harness.request('GET', '/api-docs/public.json');
  assert.deepEqual(
    documentedAnswers(documents.body).problems('POST', '/api/v1/queues', 409, again.body),
    [],
  );
  const rows = await harness.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM operator_queues WHERE name = 'Support'",
  );
  assert.equal(rows.rows[0]?.n, 1);
  assert.equal(harness.logLines.filter((line) => line.includes('unhandled error')).length, 0);

  await expectStatus(asTenant(harness, theirs.key, 'POST', '/api/v1/queues', queue), 201);
});
