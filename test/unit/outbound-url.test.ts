import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isInternalAddress, refuseOutboundUrl } from '../../lib/outbound-url.js';

test('the platform own addresses are internal; public ones are not', () => {
  for (const address of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.9',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    'not-an-address',
  ]) {
    assert.equal(isInternalAddress(address), true, address);
  }
  for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    assert.equal(isInternalAddress(address), false, address);
  }
});

test('a tenant webhook must be https to a public address, unless insecure URLs are allowed', async () => {
  const strict = { allowInsecure: false };
  assert.equal(await refuseOutboundUrl(new URL('http://8.8.8.8/hook'), strict), 'must use https');
  assert.equal(
    await refuseOutboundUrl(new URL('https://169.254.169.254/latest/meta-data'), strict),
    'must not point at an internal address',
  );
  assert.equal(
    await refuseOutboundUrl(new URL('https://[::1]:8443/hook'), strict),
    'must not point at an internal address',
  );
  // A name is judged by what it resolves to (localhost resolves from the hosts file).
  assert.equal(
    await refuseOutboundUrl(new URL('https://localhost/hook'), strict),
    'must not point at an internal address',
  );
  assert.equal(await refuseOutboundUrl(new URL('https://8.8.8.8/hook'), strict), null);
  // Development and the tests: plain http on loopback, to the simulators.
  const insecure = { allowInsecure: true };
  assert.equal(await refuseOutboundUrl(new URL('http://127.0.0.1:4000/hook'), insecure), null);
  assert.equal(
    await refuseOutboundUrl(new URL('ftp://127.0.0.1/hook'), insecure),
    'must use https',
  );
});
