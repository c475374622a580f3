import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { admin, asTenant, createTenantWithKey, expectStatus } from '../support/admin-client.js';

describe('the admin key and tenant keys never mix', () => {
  let harness: ApiHarness;
  let tenantKey: string;

  before(async () => {
    harness = await startApiHarness();
    ({ key: tenantKey } = await createTenantWithKey(harness, 'Acme'));
  });
  after(() => harness.stop());

  test('refuses a tenant key on an admin route with 403', async () => {
    const answer = await asTenant(harness, tenantKey, 'GET', '/api/v1/admin/tenants');
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'forbidden');
  });

  test('refuses the admin key on a tenant route with 403', async () => {
    const answer = await harness.request('GET', '/api/v1/call-logs/call_x', {
      headers: { 'x-admin-key': harness.adminKey },
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'forbidden');
  });

  test('refuses a missing or wrong admin key with 401', async () => {
    assert.equal((await harness.request('GET', '/api/v1/admin/tenants')).status, 401);
    const wrong = await harness.request('GET', '/api/v1/admin/tenants', {
      headers: { 'x-admin-key': `${harness.adminKey}x` },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.message, 'unknown admin key');
  });

  test('refuses a mutation that does not say who acts, naming the header', async () => {
    const answer = await harness.request('POST', '/api/v1/admin/tenants', {
      body: { name: 'Nobody' },
      headers: { 'x-admin-key': harness.adminKey },
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(
      answer.body.error.details.map((problem: { field: string }) => problem.field),
      ['x-admin-actor'],
    );
  });

  test('names every failing field at once, headers and body alike', async () => {
    const answer = await harness.request('POST', '/api/v1/admin/tenants', {
      body: { name: '' },
      headers: { 'x-admin-key': harness.adminKey },
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(
      answer.body.error.details.map((problem: { field: string }) => problem.field).sort(),
      ['name', 'x-admin-actor'],
    );
  });

  test('names every failing field of a bad body', async () => {
    const body = await expectStatus(
      admin(harness, 'POST', '/tenants', { name: '', calls_per_minute: 0, extra: 1 }),
      400,
    );
    const fields = body.error.details.map((problem: { field: string }) => problem.field).sort();
    assert.deepEqual(fields, ['(body)', 'calls_per_minute', 'name']);
  });
});

describe('without ADMIN_API_KEY configured', () => {
  let harness: ApiHarness;
  before(async () => {
    harness = await startApiHarness({ adminApiKey: null });
  });
  after(() => harness.stop());

  test('admin routes do not exist: 404 like any unknown path, whatever is sent', async () => {
    const unknown = await harness.request('GET', '/api/v1/no-such-thing');
    const attempts: Array<Record<string, string>> = [
      {},
      { 'x-admin-key': 'a'.repeat(40) },
      { authorization: 'Bearer ssv_x' },
    ];
    for (const headers of attempts) {
      const answer = await harness.request('GET', '/api/v1/admin/tenants', { headers });
      assert.equal(answer.status, 404);
      assert.equal(answer.body.error.code, unknown.body.error.code);
      assert.equal(answer.body.error.message, unknown.body.error.message);
    }
  });
});
