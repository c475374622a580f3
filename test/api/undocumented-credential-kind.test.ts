/**
 * Found by `npm run fuzz`: a tenant's event webhook secret is kept as a
 * credential of kind `notification_webhook`, which the admin document did not
 * list, so the credential list answered what its schema forbids. The kind is
 * documented, can be filtered on, and the answers match the document.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { admin, asTenant, createTenantWithKey, expectStatus } from '../support/admin-client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { documentedAnswers } from '../support/documented-answers.js';

let harness: ApiHarness;
before(async () => {
  harness = await startApiHarness();
});
after(() => harness.stop());

test('an event webhook secret is listed as a documented notification_webhook credential', async () => {
  const { tenant, key } = await createTenantWithKey(harness, 'Events', { scopes: ['operator'] });
  await expectStatus(
    admin(harness, 'POST', '/credentials', {
      kind: 'tool_webhook',
      tenant_id: tenant.id,
      secret: 'tool-secret-0123456789',
    }),
    201,
  );
  await expectStatus(
    asTenant(harness, key, 'PUT', '/api/v1/notifications/endpoint', {
      url: 'https://hooks.example.com/voice',
      secret: 'e'.repeat(40),
    }),
    200,
  );

  const documents = documentedAnswers((await harness.request('GET', '/api-docs/admin.json')).body);
  const all = await expectStatus(admin(harness, 'GET', `/credentials?tenant_id=${tenant.id}`), 200);
  assert.deepEqual(all.data.map((credential: { kind: string }) => credential.kind).sort(), [
    'notification_webhook',
    'tool_webhook',
  ]);
  assert.deepEqual(documents.problems('GET', '/api/v1/admin/credentials', 200, all), []);

  const events = await expectStatus(
    admin(harness, 'GET', `/credentials?tenant_id=${tenant.id}&kind=notification_webhook`),
    200,
  );
  assert.equal(events.data.length, 1);
  assert.equal(events.data[0].masked.includes('eeee'), true);
  const one = await expectStatus(admin(harness, 'GET', `/credentials/${events.data[0].id}`), 200);
  assert.deepEqual(
    documents.problems('GET', '/api/v1/admin/credentials/{credential_id}', 200, one),
    [],
  );
});
