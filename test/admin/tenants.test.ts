import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { admin, asTenant, createTenantWithKey, expectStatus } from '../support/admin-client.js';

let harness: ApiHarness;
before(async () => {
  harness = await startApiHarness();
});
after(() => harness.stop());

test('a tenant is created with its limits, read, listed, changed, suspended and reactivated', async () => {
  const created = await expectStatus(
    admin(harness, 'POST', '/tenants', {
      name: 'Acme',
      max_concurrent_calls: 3,
      calls_per_minute: 20,
    }),
    201,
  );
  assert.match(created.id, /^ten_/);
  assert.equal(created.status, 'active');
  assert.equal(created.max_concurrent_calls, 3);
  assert.equal(created.calls_per_minute, 20);
  assert.equal(created.requests_per_minute, 600);

  assert.deepEqual(
    await expectStatus(admin(harness, 'GET', `/tenants/${created.id}`), 200),
    created,
  );

  const changed = await expectStatus(
    admin(harness, 'PATCH', `/tenants/${created.id}`, {
      name: 'Acme Inc',
      requests_per_minute: 100,
    }),
    200,
  );
  assert.equal(changed.name, 'Acme Inc');
  assert.equal(changed.requests_per_minute, 100);
  assert.equal(changed.max_concurrent_calls, 3, 'fields not named stay as they were');

  const suspended = await expectStatus(
    admin(harness, 'PATCH', `/tenants/${created.id}`, { status: 'suspended' }),
    200,
  );
  assert.equal(suspended.status, 'suspended');
  const reactivated = await expectStatus(
    admin(harness, 'PATCH', `/tenants/${created.id}`, { status: 'active' }),
    200,
  );
  assert.equal(reactivated.status, 'active');

  const audit = await expectStatus(
    admin(harness, 'GET', `/audit-log?target_id=${created.id}`),
    200,
  );
  assert.deepEqual(
    audit.data.map((entry: { action: string }) => entry.action),
    ['tenant.activate', 'tenant.suspend', 'tenant.update', 'tenant.create'],
  );
  assert.equal(audit.data[2].before.name, 'Acme');
  assert.equal(audit.data[2].after.name, 'Acme Inc');
});

test('a suspended tenant cannot use its keys until it is reactivated', async () => {
  const { tenant, key } = await createTenantWithKey(harness, 'Paused Co');
  const probe = () => asTenant(harness, key, 'GET', '/api/v1/call-logs/call_missing');
  assert.equal(
    (await probe()).status,
    404,
    'an active tenant is authenticated (the call just does not exist)',
  );

  await expectStatus(
    admin(harness, 'PATCH', `/tenants/${tenant.id}`, { status: 'suspended' }),
    200,
  );
  const refused = await probe();
  assert.equal(refused.status, 403);
  assert.match(refused.body.error.message, /suspended/);

  await expectStatus(admin(harness, 'PATCH', `/tenants/${tenant.id}`, { status: 'active' }), 200);
  assert.equal((await probe()).status, 404);
});

test('tenants are listed oldest first, a page at a time', async () => {
  for (const name of ['Page A', 'Page B', 'Page C'])
    await expectStatus(admin(harness, 'POST', '/tenants', { name }), 201);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
    const page: { data: Array<{ name: string }>; next_cursor: string | null } = await expectStatus(
      admin(harness, 'GET', `/tenants${query}`),
      200,
    );
    assert.ok(page.data.length <= 2);
    seen.push(...page.data.map((tenant) => tenant.name));
    cursor = page.next_cursor;
  } while (cursor);
  const pageNames = seen.filter((name) => name.startsWith('Page '));
  assert.deepEqual(pageNames, ['Page A', 'Page B', 'Page C']);
  assert.equal(new Set(seen).size, seen.length, 'no tenant appears twice');
});

test('an unknown tenant is 404 on read and on change', async () => {
  await expectStatus(admin(harness, 'GET', '/tenants/ten_missing'), 404);
  await expectStatus(admin(harness, 'PATCH', '/tenants/ten_missing', { name: 'x' }), 404);
  await expectStatus(admin(harness, 'PATCH', '/tenants/ten_missing', {}), 400);
});
