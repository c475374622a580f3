import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminKeyFingerprint, adminKeyMatches } from '../../lib/admin-key.js';

test('matches only the exact admin key, whatever the length of the attempt', () => {
  const key = 'k'.repeat(40);
  assert.equal(adminKeyMatches(key, key), true);
  assert.equal(adminKeyMatches(key, `${key}k`), false);
  assert.equal(adminKeyMatches(key, key.slice(1)), false);
  assert.equal(adminKeyMatches(key, ''), false);
});

test('fingerprints a key without revealing it', () => {
  const fingerprint = adminKeyFingerprint('secret-admin-key-0123456789');
  assert.match(fingerprint, /^admin:[0-9a-f]{12}$/);
  assert.ok(!fingerprint.includes('secret'));
  assert.equal(fingerprint, adminKeyFingerprint('secret-admin-key-0123456789'));
});
