import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedDemoTenant, type SeededTenant } from '../../db/seed.js';
import { secretBoxFromConfig } from '../../lib/secret-box.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { admin, asTenant, expectStatus } from '../support/admin-client.js';

let harness: ApiHarness;
let seeded: SeededTenant;

before(async () => {
  harness = await startApiHarness();
  seeded = await seedDemoTenant(harness.db, secretBoxFromConfig(harness.config), {
    tenantName: 'Demo Tenant',
    phoneNumber: '+15005550001',
    toolWebhookUrl: 'http://127.0.0.1:9/tools/check_order_status',
    toolSecret: 'demo-tool-secret-0123456789',
  });
});
after(() => harness.stop());

test('the demo seed goes through the approval gate: written by one actor, approved by another', async () => {
  const version = await expectStatus(
    admin(harness, 'GET', `/agents/${seeded.agentId}/versions/${seeded.agentVersionId}`),
    200,
  );
  assert.equal(version.status, 'approved');
  assert.equal(version.created_by, 'seed:author');
  assert.equal(version.decided_by, 'seed:approver');

  const history = await expectStatus(
    admin(harness, 'GET', `/agents/${seeded.agentId}/versions/${seeded.agentVersionId}/history`),
    200,
  );
  assert.deepEqual(
    history.data.map((row: { to_status: string }) => row.to_status),
    ['draft', 'submitted', 'approved'],
  );
});

test('the demo number is a phone route with a rollout policy over the approved version', async () => {
  const routes = await expectStatus(
    admin(harness, 'GET', `/phone-routes?tenant_id=${seeded.tenantId}`),
    200,
  );
  assert.equal(routes.data.length, 1);
  assert.equal(routes.data[0].phone_number, seeded.phoneNumber);
  assert.equal(routes.data[0].launch_owner, 'seed:operator');
  assert.deepEqual(routes.data[0].rollout, {
    weights: [{ agent_version_id: seeded.agentVersionId, weight: 100 }],
  });
});

test('the seed is in the audit log, its key works and its tool secret is sealed', async () => {
  const audit = await expectStatus(
    admin(harness, 'GET', `/audit-log?tenant_id=${seeded.tenantId}`),
    200,
  );
  assert.deepEqual(audit.data.map((entry: { action: string }) => entry.action).reverse(), [
    'tenant.create',
    'api_key.create',
    'agent.create',
    'agent_version.create',
    'agent_version.submit',
    'agent_version.approve',
    'phone_route.create',
    'credential.create',
  ]);
  assert.ok(!JSON.stringify(audit).includes('demo-tool-secret-0123456789'));
  assert.equal(
    (await asTenant(harness, seeded.apiKey, 'GET', '/api/v1/call-logs/call_none')).status,
    404,
  );
});
