/**
 * The pure parts of refusing hostile input cheaply: throttled warnings, what
 * an unparseable Twilio frame claimed to be, declared body sizes, nullable
 * references in the documents, and the limits' configuration rows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declaredBodyBytes } from '../../api/body-limit.js';
import { hoistNullableReferences } from '../../api/openapi/nullable-references.js';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { throttledWarning } from '../../lib/throttled-warning.js';
import { parseTwilioFrame } from '../../media/twilio-messages.js';
import { isLoopbackHost } from '../../scripts/fuzz/loopback-fence.js';
import { captureLog } from '../support/log-sink.js';

test('a flood of one warning is one line per interval, the next one carrying the count', () => {
  const log = captureLog();
  let now = 0;
  const warn = throttledWarning(log.logger, 'refused', 10_000, () => now);
  for (let index = 0; index < 500; index += 1) warn({ index });
  now = 10_000;
  warn({ index: 500 });

  const lines = log.lines.filter((line) => line.msg === 'refused');
  assert.deepEqual(
    lines.map((line) => [line.index, line.suppressed]),
    [
      [0, undefined],
      [500, 499],
    ],
  );
});

test('a frame that does not parse says which event it claimed, and nothing else', () => {
  assert.deepEqual(parseTwilioFrame('not json'), {});
  assert.deepEqual(parseTwilioFrame('null'), {});
  assert.deepEqual(parseTwilioFrame('{"event":"start","start":"junk"}'), { event: 'start' });
  assert.deepEqual(parseTwilioFrame(`{"event":"${'x'.repeat(500)}"}`), { event: 'x'.repeat(64) });
  assert.deepEqual(parseTwilioFrame('{"event":7}'), {});
  assert.equal(parseTwilioFrame('{"event":"stop"}').message?.event, 'stop');
});

test('only a plain decimal Content-Length counts as a declared size', () => {
  assert.equal(declaredBodyBytes('1024'), 1_024);
  assert.equal(declaredBodyBytes(' 99999999999 '), 99_999_999_999);
  for (const header of [undefined, '', '-1', '1e9', '0x10', '12, 12']) {
    assert.equal(declaredBodyBytes(header), undefined, String(header));
  }
});

test('a nullable reference is written so that OpenAPI 3.0 allows null', () => {
  const generated = {
    properties: {
      previous: { allOf: [{ $ref: '#/components/schemas/Policy' }, { nullable: true }] },
      current: { $ref: '#/components/schemas/Policy' },
      both: { allOf: [{ $ref: '#/a' }, { $ref: '#/b' }] },
    },
  };
  assert.deepEqual(hoistNullableReferences(generated), {
    properties: {
      previous: { allOf: [{ $ref: '#/components/schemas/Policy' }], nullable: true },
      current: { $ref: '#/components/schemas/Policy' },
      both: { allOf: [{ $ref: '#/a' }, { $ref: '#/b' }] },
    },
  });
});

const REQUIRED = {
  STREAM_TOKEN_SECRET: 's'.repeat(32),
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'token',
  OPENAI_API_KEY: 'sk-test',
  SECRETS_MASTER_KEY: '0'.repeat(64),
};

test('the limits have defaults, are read from their rows, and a headers timeout past the request timeout is refused', () => {
  const defaults = loadConfig(REQUIRED);
  assert.deepEqual(defaults.http, {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
  });
  assert.equal(defaults.api.maxJsonBodyBytes, 65_536);
  assert.equal(defaults.api.maxWebhookBodyBytes, 65_536);
  assert.deepEqual(
    [
      defaults.media.maxMessageBytes,
      defaults.media.maxBufferedBytes,
      defaults.media.startTimeoutMs,
    ],
    [65_536, 1_048_576, 10_000],
  );

  const set = loadConfig({
    ...REQUIRED,
    MEDIA_MAX_BUFFERED_BYTES: '2048',
    API_MAX_JSON_BODY_BYTES: '4096',
  });
  assert.equal(set.media.maxBufferedBytes, 2_048);
  assert.equal(set.api.maxJsonBodyBytes, 4_096);

  assert.throws(
    () =>
      loadConfig({ ...REQUIRED, HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.some((line) => line.startsWith('HTTP_HEADERS_TIMEOUT_MS: must not exceed')),
  );
});

test('the fuzz run fence lets loopback through and nothing else', () => {
  for (const host of ['localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]']) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ['0.com', 'df.test', '10.0.0.5', '169.254.169.254', '127.0.0.1.example.com']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});
