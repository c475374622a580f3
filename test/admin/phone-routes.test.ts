import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDatabaseActivities } from '../../activities/database.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import {
  admin,
  AUTHOR,
  approvedVersion,
  createApprovedAgent,
  createRoute,
  createTenantWithKey,
  expectStatus,
} from '../support/admin-client.js';

let harness: ApiHarness;
let tenantId: string;
let agentId: string;
let stable: { id: string; config: unknown };
let canary: { id: string };

const CALLERS = Array.from(
  { length: 1_000 },
  (_, index) => `+1415555${String(index).padStart(4, '0')}`,
);

before(async () => {
  harness = await startApiHarness();
  ({
    tenant: { id: tenantId },
  } = await createTenantWithKey(harness, 'Routes Co'));
  const created = await createApprovedAgent(harness, tenantId);
  agentId = created.agent.id;
  stable = created.version;
  canary = await approvedVersion(harness, agentId);
});
after(() => harness.stop());

/** Which version answers each caller, through the activity the call workflow runs. */
async function routeCallers(routeId: string): Promise<Map<string, string>> {
  const activities = createDatabaseActivities(harness.db);
  const answered = new Map<string, string>();
  for (const caller of CALLERS) {
    const version = await activities.resolveAgentVersion({
      tenantId,
      agentId,
      phoneRouteId: routeId,
      callerNumber: caller,
    });
    answered.set(caller, version.agentVersionId);
  }
  return answered;
}

function share(answered: Map<string, string>, versionId: string): number {
  return [...answered.values()].filter((id) => id === versionId).length;
}

test('a route takes only approved versions of its own agent, and one number routes once', async () => {
  const unapproved = await expectStatus(
    admin(harness, 'POST', `/agents/${agentId}/versions`, { config: stable.config }, AUTHOR),
    201,
  );
  const body = (weights: Array<[string, number]>, phone = '+15005550301') => ({
    tenant_id: tenantId,
    phone_number: phone,
    agent_id: agentId,
    launch_owner: 'launch@example.com',
    rollout: {
      weights: weights.map(([agent_version_id, weight]) => ({ agent_version_id, weight })),
    },
  });

  const notApproved = await expectStatus(
    admin(harness, 'POST', '/phone-routes', body([[unapproved.id, 100]])),
    422,
  );
  assert.equal(notApproved.error.code, 'agent_version_not_approved');
  const badSum = await expectStatus(
    admin(harness, 'POST', '/phone-routes', body([[stable.id, 60]])),
    400,
  );
  assert.equal(badSum.error.details[0].field, 'rollout.weights');

  const other = await createApprovedAgent(harness, tenantId, 'sales');
  const foreign = await expectStatus(
    admin(harness, 'POST', '/phone-routes', body([[other.version.id, 100]])),
    422,
  );
  assert.equal(foreign.error.code, 'unknown_agent_version');

  const route = await expectStatus(
    admin(harness, 'POST', '/phone-routes', body([[stable.id, 100]])),
    201,
  );
  assert.equal(route.launch_owner, 'launch@example.com');
  assert.equal(route.previous_rollout, null);
  await expectStatus(admin(harness, 'POST', '/phone-routes', body([[stable.id, 100]])), 409);

  assert.deepEqual(
    await expectStatus(admin(harness, 'GET', `/phone-routes/${route.id}`), 200),
    route,
  );
  const listed = await expectStatus(
    admin(harness, 'GET', `/phone-routes?tenant_id=${tenantId}`),
    200,
  );
  assert.ok(listed.data.some((row: { id: string }) => row.id === route.id));

  await expectStatus(admin(harness, 'DELETE', `/phone-routes/${route.id}`), 204);
  await expectStatus(admin(harness, 'GET', `/phone-routes/${route.id}`), 404);
  const audit = await expectStatus(admin(harness, 'GET', `/audit-log?target_id=${route.id}`), 200);
  assert.deepEqual(
    audit.data.map((entry: { action: string }) => entry.action),
    ['phone_route.delete', 'phone_route.create'],
  );
});

test('a 90/10 rollout splits 1,000 callers near 90/10, each caller sticky, and records why', async (t) => {
  const route = await createRoute(harness, tenantId, agentId, '+15005550302', [[stable.id, 100]]);
  const everyoneStable = await routeCallers(route.id);
  assert.equal(share(everyoneStable, stable.id), CALLERS.length);

  const updated = await expectStatus(
    admin(harness, 'PUT', `/phone-routes/${route.id}/rollout`, {
      rollout: {
        weights: [
          { agent_version_id: stable.id, weight: 90 },
          { agent_version_id: canary.id, weight: 10 },
        ],
      },
      launch_owner: 'canary-owner@example.com',
      reason: 'canary for the new greeting',
    }),
    200,
  );
  assert.equal(updated.launch_owner, 'canary-owner@example.com');
  assert.deepEqual(updated.previous_rollout, route.rollout);

  const first = await routeCallers(route.id);
  const canaryShare = share(first, canary.id);
  t.diagnostic(
    `90/10 over ${CALLERS.length} callers: ${CALLERS.length - canaryShare}/${canaryShare}`,
  );
  // Binomial(1000, 0.1) has a standard deviation under 10; 3.5 of them either side.
  assert.ok(canaryShare >= 65 && canaryShare <= 135, `canary took ${canaryShare} of 1000 callers`);
  assert.equal(share(first, stable.id) + canaryShare, CALLERS.length);

  const second = await routeCallers(route.id);
  assert.deepEqual([...second], [...first], 'every caller lands on the same version again');

  const activities = createDatabaseActivities(harness.db);
  const resolved = await activities.resolveAgentVersion({
    tenantId,
    agentId,
    phoneRouteId: route.id,
    callerNumber: CALLERS[0] ?? '',
  });
  assert.match(
    resolved.reason,
    new RegExp(`^rollout on route ${route.id}: caller bucket \\d+/10000, weight (90|10) of 100$`),
  );

  // Growing the canary only moves callers onto it: nobody on the canary goes back.
  await expectStatus(
    admin(harness, 'PUT', `/phone-routes/${route.id}/rollout`, {
      rollout: {
        weights: [
          { agent_version_id: stable.id, weight: 50 },
          { agent_version_id: canary.id, weight: 50 },
        ],
      },
    }),
    200,
  );
  const grown = await routeCallers(route.id);
  for (const [caller, versionId] of first) {
    if (versionId === canary.id)
      assert.equal(grown.get(caller), canary.id, `${caller} left the canary`);
  }
});

test('rollback restores the previous policy in one step, and only one', async () => {
  const route = await createRoute(harness, tenantId, agentId, '+15005550303', [[stable.id, 100]]);
  const original = route.rollout;
  await expectStatus(
    admin(harness, 'PUT', `/phone-routes/${route.id}/rollout`, {
      rollout: { weights: [{ agent_version_id: canary.id, weight: 100 }] },
    }),
    200,
  );
  assert.equal(share(await routeCallers(route.id), canary.id), CALLERS.length);

  const rolledBack = await expectStatus(
    admin(harness, 'POST', `/phone-routes/${route.id}/rollback`, {
      reason: 'canary fails evaluations',
    }),
    200,
  );
  assert.deepEqual(rolledBack.rollout, original);
  assert.equal(rolledBack.previous_rollout, null);
  assert.equal(share(await routeCallers(route.id), stable.id), CALLERS.length);

  const again = await expectStatus(
    admin(harness, 'POST', `/phone-routes/${route.id}/rollback`, {}),
    422,
  );
  assert.equal(again.error.code, 'no_previous_rollout');

  const audit = await expectStatus(
    admin(harness, 'GET', `/audit-log?target_id=${route.id}&action=phone_route.rollback`),
    200,
  );
  assert.equal(audit.data.length, 1);
  assert.equal(audit.data[0].reason, 'canary fails evaluations');
  assert.deepEqual(audit.data[0].before.rollout, {
    weights: [{ agent_version_id: canary.id, weight: 100 }],
  });
  assert.deepEqual(audit.data[0].after.rollout, original);
});
