/**
 * Oversized bodies cost one header parse: a body declared larger than the
 * route accepts is refused before a byte of it is read and the connection is
 * closed (the JSON API with its error envelope, Twilio's routes with polite
 * TwiML, after the cheap part of the signature check: no signature is 403
 * before any size is looked at). A chunked body is cut at the limit. A flood
 * of them leaves memory and open connections where they were.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { asTenant, createTenantWithKey } from '../support/admin-client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { openRawConnection, settledHeapBytes } from '../support/raw-socket.js';
import { eventually } from '../support/stack.js';

const LIMIT_BYTES = 4_096;
const DECLARED_BYTES = 50_000_000;

let harness: ApiHarness;
let tenantKey: string;
before(async () => {
  harness = await startApiHarness({
    environment: {
      API_MAX_JSON_BODY_BYTES: String(LIMIT_BYTES),
      TWILIO_MAX_WEBHOOK_BODY_BYTES: String(LIMIT_BYTES),
    },
  });
  tenantKey = (await createTenantWithKey(harness, 'Big bodies')).key;
});
after(() => harness.stop());

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

function parseAnswer(text: string): RawAnswer {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
    headers: head.toLowerCase(),
    body,
  };
}

/** Declares a huge body, sends only `sentBytes` of it, and waits for the answer and the close. */
async function postDeclaringHugeBody(
  path: string,
  headers: Record<string, string>,
  sentBytes = 1_024,
): Promise<RawAnswer> {
  const connection = await openRawConnection(harness.url);
  const lines = Object.entries({ ...headers, 'content-length': String(DECLARED_BYTES) }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  connection.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  connection.write('a'.repeat(sentBytes));
  await connection.closed;
  return parseAnswer(connection.received());
}

async function postChunked(path: string, headers: Record<string, string>, bytes: number) {
  const connection = await openRawConnection(harness.url);
  const lines = Object.entries({ ...headers, 'transfer-encoding': 'chunked' }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  const chunk = 'a'.repeat(bytes);
  connection.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n`);
  connection.write(`${lines.join('\r\n')}\r\n\r\n${bytes.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
  await connection.closed;
  return parseAnswer(connection.received());
}

test('a JSON body declared past the limit is 413 in the envelope before the body is sent, and the connection closes', async () => {
  const answer = await postDeclaringHugeBody('/api/v1/make-call', {
    authorization: `Bearer ${tenantKey}`,
    'content-type': 'application/json',
  });

  assert.equal(answer.status, 413);
  assert.match(answer.headers, /\r\nconnection: close/);
  const body = JSON.parse(answer.body);
  assert.equal(body.error.code, 'payload_too_large');
  assert.equal(body.error.message, `the request body is larger than ${LIMIT_BYTES} bytes`);
  assert.match(body.error.requestId, /^req_/);
});

test('a chunked JSON body past the limit is 413 in the envelope, and a body within it is read', async () => {
  const headers = { authorization: `Bearer ${tenantKey}`, 'content-type': 'application/json' };
  const over = await postChunked('/api/v1/make-call', headers, LIMIT_BYTES * 4);
  assert.equal(over.status, 413);
  assert.equal(JSON.parse(over.body).error.code, 'payload_too_large');

  const within = await asTenant(harness, tenantKey, 'POST', '/api/v1/make-call', {
    to: '+15005550006',
  });
  assert.equal(within.status, 400, 'a small body is parsed and validated as usual');
});

test('a Twilio webhook without a signature is 403 before its size matters; a signed one past the limit is 413 polite TwiML', async () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  const unsigned = await postDeclaringHugeBody('/api/v1/incoming-call', form);
  assert.equal(unsigned.status, 403);
  assert.match(unsigned.headers, /\r\nconnection: close/);

  const signed = await postDeclaringHugeBody('/api/v1/incoming-call', {
    ...form,
    'x-twilio-signature': 'c2lnbmVkLWJ1dC1uZXZlci1jaGVja2Vk',
  });
  assert.equal(signed.status, 413);
  assert.match(signed.headers, /content-type: text\/xml/);
  assert.match(signed.body, /<Say>[^<]+<\/Say><Hangup\/>/);

  const chunked = await postChunked(
    '/api/v1/call-status',
    { ...form, 'x-twilio-signature': 'c2lnbmVk' },
    LIMIT_BYTES * 4,
  );
  assert.equal(chunked.status, 413);
  assert.match(chunked.body, /<Hangup\/>/);

  const calls = await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls');
  assert.equal(calls.rows[0]?.n, 0);
});

test('two hundred oversized requests leave the heap near its baseline, no connection open, and the API serving', async (t) => {
  const baseline = await settledHeapBytes();

  const paths = ['/api/v1/make-call', '/api/v1/incoming-call'];
  for (let wave = 0; wave < 10; wave += 1) {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        postDeclaringHugeBody(
          paths[index % 2] ?? '/api/v1/make-call',
          {
            authorization: `Bearer ${tenantKey}`,
            'content-type': index % 2 ? 'application/x-www-form-urlencoded' : 'application/json',
            'x-twilio-signature': 'c2lnbmVk',
          },
          32 * 1_024,
        ),
      ),
    );
    assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([413]));
  }

  await eventually(
    () =>
      new Promise<boolean | undefined>((resolve) =>
        harness.server.getConnections((_, count) => resolve(count === 0 ? true : undefined)),
      ),
    10_000,
    'every refused connection to close',
  );
  const grownBytes = (await settledHeapBytes()) - baseline;
  t.diagnostic(
    `heap after 200 oversized requests: ${(grownBytes / 1_048_576).toFixed(1)} MiB from baseline`,
  );
  assert.ok(grownBytes < 8 * 1_024 * 1_024, `heap grew by ${grownBytes} bytes`);
  assert.equal((await harness.request('GET', '/health/live')).status, 200);
});
