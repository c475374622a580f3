import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashApiKey } from '../../lib/api-keys.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { admin, asTenant, createTenantWithKey, expectStatus } from '../support/admin-client.js';

let harness: ApiHarness;
let tenantId: string;
before(async () => {
  harness = await startApiHarness();
  ({
    tenant: { id: tenantId },
  } = await createTenantWithKey(harness, 'Keys Inc'));
});
after(() => harness.stop());

/** A read that needs calls:read and reaches the route: 404 means the key was accepted. */
function readWith(key: string) {
  return asTenant(harness, key, 'GET', '/api/v1/call-logs/call_missing');
}

async function issue(scopes: string[], extra: Record<string, unknown> = {}) {
  return expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys`, { scopes, ...extra }),
    201,
  );
}

test('a key is shown once, stored as a hash with a visible prefix, and listed without its secret', async () => {
  const issued = await issue(['calls:read']);
  assert.match(issued.key, /^ssv_[a-z0-9]{10}_/);
  assert.equal(issued.key.split('_')[1], issued.prefix);
  assert.equal(issued.status, 'active');
  assert.equal(issued.created_by, 'ops@example.com');

  const stored = await harness.db.query<{ key_hash: string }>(
    'SELECT key_hash FROM api_keys WHERE id = $1',
    [issued.id],
  );
  assert.equal(stored.rows[0]?.key_hash, hashApiKey(issued.key));

  const listed = await expectStatus(admin(harness, 'GET', `/tenants/${tenantId}/api-keys`), 200);
  const row = listed.data.find((key: { id: string }) => key.id === issued.id);
  assert.equal(row.prefix, issued.prefix);
  assert.equal(row.key, undefined);
  assert.ok(!JSON.stringify(listed).includes(issued.key));
  assert.ok(!JSON.stringify(listed).includes(hashApiKey(issued.key)));
  assert.equal((await readWith(issued.key)).status, 404);
});

test('refuses a revoked key (401), a key without the scope (403) and an unknown key (401)', async () => {
  const revoked = await issue(['calls:read']);
  assert.equal((await readWith(revoked.key)).status, 404);
  const after = await expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys/${revoked.id}/revoke`, {
      reason: 'leaked in a log',
    }),
    200,
  );
  assert.equal(after.status, 'revoked');
  assert.equal(after.revoke_reason, 'leaked in a log');
  const refused = await readWith(revoked.key);
  assert.equal(refused.status, 401);
  assert.match(refused.body.error.message, /revoked/);

  const writeOnly = await issue(['calls:write']);
  const wrongScope = await readWith(writeOnly.key);
  assert.equal(wrongScope.status, 403);
  assert.match(wrongScope.body.error.message, /calls:read/);

  const forged = `${writeOnly.key.slice(0, -4)}abcd`;
  assert.equal((await readWith(forged)).status, 401);
});

test('refuses an expired key with 401', async () => {
  const key = await issue(['calls:read'], {
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  assert.equal((await readWith(key.key)).status, 404);
  // A rotation with no overlap ends the old key's life now, which is how a key expires.
  await expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys/${key.id}/rotate`, {
      overlap_seconds: 0,
    }),
    201,
  );
  const refused = await readWith(key.key);
  assert.equal(refused.status, 401);
  assert.match(refused.body.error.message, /expired/);

  const past = await expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys`, {
      scopes: ['calls:read'],
      expires_at: '2020-01-01T00:00:00Z',
    }),
    400,
  );
  assert.equal(past.error.details[0].field, 'expires_at');
});

test('a rotation overlaps: old and new keys both work until the old one expires', async () => {
  const original = await issue(['calls:read', 'calls:write']);
  const rotated = await expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys/${original.id}/rotate`, {
      overlap_seconds: 3_600,
    }),
    201,
  );
  assert.notEqual(rotated.key, original.key);
  assert.deepEqual(rotated.scopes, original.scopes);
  assert.equal((await readWith(original.key)).status, 404, 'the old key works during the overlap');
  assert.equal((await readWith(rotated.key)).status, 404, 'the new key works at once');

  const listed = await expectStatus(admin(harness, 'GET', `/tenants/${tenantId}/api-keys`), 200);
  const old = listed.data.find((key: { id: string }) => key.id === original.id);
  assert.equal(old.status, 'rotating');
  assert.equal(old.replaced_by, rotated.id);
  const overlapEndsMs = Date.parse(old.expires_at) - Date.now();
  assert.ok(
    overlapEndsMs > 3_500_000 && overlapEndsMs <= 3_600_000,
    `overlap ends in ${overlapEndsMs} ms`,
  );

  await expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys/${original.id}/rotate`, {
      overlap_seconds: 60,
    }),
    409,
  );

  // Rotating the new key with no overlap: the newest works, the one it replaced does not,
  // and the original still has its own overlap.
  const newest = await expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys/${rotated.id}/rotate`, {
      overlap_seconds: 0,
    }),
    201,
  );
  assert.equal((await readWith(newest.key)).status, 404);
  assert.equal((await readWith(rotated.key)).status, 401);
  assert.equal((await readWith(original.key)).status, 404);

  const audit = await expectStatus(
    admin(harness, 'GET', `/audit-log?target_id=${original.id}`),
    200,
  );
  assert.deepEqual(
    audit.data.map((entry: { action: string }) => entry.action),
    ['api_key.rotate', 'api_key.create'],
  );
});

test("another tenant's key id is 404 on revoke and rotate", async () => {
  const other = await createTenantWithKey(harness, 'Other Keys');
  await expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys/${other.keyId}/revoke`, {}),
    404,
  );
  await expectStatus(
    admin(harness, 'POST', `/tenants/${tenantId}/api-keys/${other.keyId}/rotate`, {}),
    404,
  );
  assert.equal((await readWith(other.key)).status, 404, 'the other tenant key still works');
});
