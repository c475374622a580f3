/**
 * Slow clients hold a socket for a bounded time, set from configuration:
 * headers that trickle in a byte at a time (slowloris) end at
 * HTTP_HEADERS_TIMEOUT_MS, a body that trickles at HTTP_REQUEST_TIMEOUT_MS
 * (both answered 408 and closed), an idle keep-alive connection at
 * HTTP_KEEP_ALIVE_TIMEOUT_MS. Meanwhile the API serves everyone else, and
 * afterwards no connection is left open.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { openRawConnection, type RawConnection } from '../support/raw-socket.js';
import { eventually } from '../support/stack.js';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 1_000;
/** Node sweeps for expired requests once a second; a busy machine adds its own delay. */
const SLACK_MS = 8_000;

let harness: ApiHarness;
before(async () => {
  harness = await startApiHarness({
    environment: {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    },
  });
});
after(() => harness.stop());

/** Writes `text` a byte every `everyMs` until the connection closes or the text runs out. */
function trickle(connection: RawConnection, text: string, everyMs: number): void {
  let offset = 0;
  const timer = setInterval(() => {
    if (offset >= text.length || connection.socket.destroyed) {
      clearInterval(timer);
      return;
    }
    connection.write(text[offset] ?? '');
    offset += 1;
  }, everyMs);
  void connection.closed.then(() => clearInterval(timer));
}

function openConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    harness.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

test('headers trickled in a byte at a time are cut off at the headers timeout with 408', async (t) => {
  const connection = await openRawConnection(harness.url);
  trickle(
    connection,
    `GET /health/live HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ${'a'.repeat(500)}`,
    100,
  );

  const { afterMs } = await connection.closed;
  t.diagnostic(`slowloris connection closed after ${afterMs} ms`);
  assert.match(connection.received(), /^HTTP\/1\.1 408 /);
  assert.ok(afterMs >= HEADERS_TIMEOUT_MS - 50, `closed after ${afterMs} ms`);
  assert.ok(afterMs < HEADERS_TIMEOUT_MS + SLACK_MS, `closed after ${afterMs} ms`);
});

test('a body trickled in a byte at a time is cut off at the request timeout with 408', async (t) => {
  const connection = await openRawConnection(harness.url);
  connection.write(
    'POST /api/v1/make-call HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
      'content-length: 1000\r\n\r\n',
  );
  trickle(connection, `{"to":"${'1'.repeat(990)}"}`, 100);

  const { afterMs } = await connection.closed;
  t.diagnostic(`slow body connection closed after ${afterMs} ms`);
  assert.match(connection.received(), /^HTTP\/1\.1 408 /);
  assert.ok(afterMs >= REQUEST_TIMEOUT_MS - 50, `closed after ${afterMs} ms`);
  assert.ok(afterMs < REQUEST_TIMEOUT_MS + SLACK_MS, `closed after ${afterMs} ms`);
});

test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
  const connection = await openRawConnection(harness.url);
  connection.write('GET /health/live HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
  await eventually(
    async () => (connection.received().includes('"status":"ok"') ? true : undefined),
    10_000,
    'the health answer',
  );
  const answeredAt = Date.now();
  await connection.closed;
  const idleMs = Date.now() - answeredAt;
  assert.match(connection.received(), /\r\nkeep-alive: timeout=1\r\n/i);
  assert.ok(idleMs < KEEP_ALIVE_TIMEOUT_MS + SLACK_MS, `closed ${idleMs} ms after the answer`);
});

test('while twenty slow clients hang on, others are served, and afterwards no connection is open', async () => {
  const slow = await Promise.all(Array.from({ length: 20 }, () => openRawConnection(harness.url)));
  for (const connection of slow)
    trickle(connection, 'GET /health/live HTTP/1.1\r\nx: ' + 'b'.repeat(100), 200);

  const served = await Promise.all(
    Array.from({ length: 20 }, () => harness.request('GET', '/health/live')),
  );
  assert.deepEqual(new Set(served.map((answer) => answer.status)), new Set([200]));

  await Promise.all(slow.map((connection) => connection.closed));
  await eventually(
    async () => ((await openConnections()) === 0 ? true : undefined),
    KEEP_ALIVE_TIMEOUT_MS + SLACK_MS,
    'every connection to close',
  );
});
