import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskPhoneNumbersIn } from '../../lib/redact.js';
import { captureLog } from '../support/log-sink.js';

const NUMBER = '+15005550006';

test('masks an E.164 number anywhere in a line: message, nested fields, arrays, errors, bindings', () => {
  const log = captureLog('info');
  const child = log.logger.child({ party: { dialed: NUMBER } });
  child.info(
    { nested: { deeper: { value: `call ${NUMBER} now` } }, list: [NUMBER, { n: NUMBER }] },
    `dialing ${NUMBER}`,
  );
  log.logger.error({ err: new Error(`The 'To' number ${NUMBER} is not valid`) }, 'dial failed');
  log.logger.warn({ url: 'https://x.test/cb?To=%2B15005550006' }, 'callback');

  const written = JSON.stringify(log.lines);
  assert.ok(!written.includes(NUMBER), written);
  assert.ok(!written.includes('5005550006'), written);
  assert.ok(written.includes('+1500***0006'), written);
  assert.ok(written.includes('%2B1500***0006'), written);
});

test('keeps the shape of maskPhoneNumber and leaves other digits alone', () => {
  assert.equal(maskPhoneNumbersIn('from +442071838750.'), 'from +4420***8750.');
  assert.equal(maskPhoneNumbersIn('took 1733900000010 ms'), 'took 1733900000010 ms');
  assert.equal(maskPhoneNumbersIn('offset +01:00'), 'offset +01:00');
});

test('censors secrets and conversation content at any depth, in fields and bindings', () => {
  const log = captureLog('info');
  log.logger.child({ streamToken: 'tok-1' }).info(
    {
      request: { headers: { authorization: 'Bearer abc', 'x-twilio-signature': 'sig-1' } },
      tool: { name: 'check_order_status', arguments: { order: 'A-1' }, output: 'shipped' },
      turns: [{ role: 'caller', text: 'my secret words' }],
      deep: { a: { b: { apiKey: 'key-1' } } },
      frame: Buffer.from('raw-audio-bytes'),
    },
    'a line',
  );
  log.logger.info('called with Bearer abc.def and ssv_0123456789_someSecretPart');
  log.logger.warn({ err: 'Incorrect API key provided: sk-sim-0123456789abcdef' }, 'model failed');

  const written = JSON.stringify(log.lines);
  const leaks = ['tok-1', 'abc', 'sig-1', 'A-1', 'shipped', 'my secret words', 'key-1', '"data":['];
  for (const leaked of leaks) {
    assert.ok(!written.includes(leaked), `${leaked} in ${written}`);
  }
  assert.ok(!written.includes('someSecretPart'), written);
  assert.ok(!written.includes('0123456789abcdef'), written);
  assert.ok(written.includes('check_order_status'), 'what is safe stays');
  assert.ok(written.includes('"frame":"[15 bytes]"'), written);
});
