/**
 * Found by `npm run fuzz`: the documents wrote a nullable reference to a
 * component as `allOf: [{ $ref }, { nullable: true }]`, which in OpenAPI 3.0
 * still forbids null, so a new phone route (`previous_rollout: null`) broke
 * its own documented schema. Both documents now say null where the API
 * answers null, and no reference anywhere keeps the broken form.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  admin,
  createApprovedAgent,
  createRoute,
  createTenantWithKey,
  expectStatus,
} from '../support/admin-client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { documentedAnswers } from '../support/documented-answers.js';

let harness: ApiHarness;
before(async () => {
  harness = await startApiHarness();
});
after(() => harness.stop());

function loneNullableMarkers(node: unknown, path = ''): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const found: string[] = [];
  const allOf = (node as { allOf?: unknown }).allOf;
  if (Array.isArray(allOf)) {
    for (const part of allOf) {
      if (JSON.stringify(part) === '{"nullable":true}') found.push(path);
    }
  }
  for (const [key, value] of Object.entries(node)) {
    found.push(...loneNullableMarkers(value, `${path}/${key}`));
  }
  return found;
}

test('a route with no previous rollout matches its documented schema, before and after a rollout change', async () => {
  const { tenant } = await createTenantWithKey(harness, 'Routes');
  const { agent, version } = await createApprovedAgent(harness, tenant.id);
  const route = await createRoute(harness, tenant.id, agent.id, '+15005550401', [
    [version.id, 100],
  ]);
  assert.equal(route.previous_rollout, null);

  const documents = documentedAnswers((await harness.request('GET', '/api-docs/admin.json')).body);
  const path = '/api/v1/admin/phone-routes/{route_id}';
  const fresh = await expectStatus(admin(harness, 'GET', `/phone-routes/${route.id}`), 200);
  assert.deepEqual(documents.problems('GET', path, 200, fresh), []);
  const list = await expectStatus(admin(harness, 'GET', '/phone-routes'), 200);
  assert.deepEqual(documents.problems('GET', '/api/v1/admin/phone-routes', 200, list), []);

  const changed = await expectStatus(
    admin(harness, 'PUT', `/phone-routes/${route.id}/rollout`, {
      rollout: { weights: [{ agent_version_id: version.id, weight: 100 }] },
      reason: 'same weights, new policy row',
    }),
    200,
  );
  assert.deepEqual(changed.previous_rollout, route.rollout);
  assert.deepEqual(documents.problems('GET', path, 200, changed), []);
});

test('neither document keeps a nullable marker beside a reference, where it has no effect', async () => {
  for (const name of ['public', 'admin']) {
    const document = (await harness.request('GET', `/api-docs/${name}.json`)).body;
    assert.deepEqual(loneNullableMarkers(document), [], name);
  }
});
