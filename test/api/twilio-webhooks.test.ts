import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectClient } from '../../lib/temporal.js';
import type { Stack } from '../../scripts/stack.js';
import { rawPost } from '../support/raw-http.js';
import { startSignatureCaseStack, signatureVectors } from '../support/signature-cases.js';
import { startSideApp, unreachableTemporal } from '../support/side-app.js';

const vectors = signatureVectors;
const CALL_SID = 'CAf00dfeed1234abcd5678ef9012345678';
const FORM = 'application/x-www-form-urlencoded';

let stack: Stack;
before(async () => {
  stack = await startSignatureCaseStack();
});
after(() => stack.stop());

async function callRows(): Promise<Array<{ id: string; from_number: string }>> {
  return (
    await stack.db.query<{ id: string; from_number: string }>(
      'SELECT id, from_number FROM calls ORDER BY created_at',
    )
  ).rows;
}

async function workflowExists(callSid: string): Promise<boolean> {
  const client = await connectClient(stack.config);
  try {
    await client.workflow.getHandle(`call-call_${callSid}`).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  } finally {
    await client.connection.close();
  }
}

function proxied(signature?: string): Record<string, string> {
  return {
    host: '10.0.0.5:3000',
    'x-forwarded-proto': 'https',
    'content-type': FORM,
    ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
  };
}

test('refuses webhooks signed with the http scheme, the internal host, or unsigned; records nothing (C01)', async () => {
  const v = vectors.inbound_behind_proxy;
  for (const signature of [v.signed_with_http_scheme, v.signed_with_internal_host, undefined]) {
    const response = await rawPost(
      stack.apiUrl,
      '/api/v1/incoming-call',
      v.body,
      proxied(signature),
    );
    assert.equal(response.status, 403);
  }
  assert.deepEqual(await callRows(), []);
  assert.equal(await workflowExists(CALL_SID), false);
});

test('answers polite TwiML at once when Temporal is unreachable, and records nothing', async () => {
  const side = await startSideApp(stack, unreachableTemporal(stack.config));
  try {
    const v = vectors.inbound_behind_proxy;
    const startedAtMs = Date.now();
    const response = await rawPost(side.url, '/api/v1/incoming-call', v.body, proxied(v.good));
    const answeredInMs = Date.now() - startedAtMs;
    assert.equal(response.status, 200);
    assert.match(response.body, /<Say>Sorry, we cannot take your call right now\..*<Hangup\/>/);
    assert.doesNotMatch(response.body, /<Stream/);
    // Twilio waits 15 s for a webhook; a bound a busy machine keeps with room to spare.
    assert.ok(answeredInMs < 8_000, `answered in ${answeredInMs} ms`);
    assert.deepEqual(await callRows(), []);
    assert.equal(await workflowExists(CALL_SID), false);
  } finally {
    await side.close();
  }
});

test('accepts the webhook signed over the public URL behind a TLS proxy, once (C01)', async () => {
  const v = vectors.inbound_behind_proxy;
  const response = await rawPost(stack.apiUrl, '/api/v1/incoming-call', v.body, proxied(v.good));
  assert.equal(response.status, 200);
  assert.match(String(response.headers['content-type']), /text\/xml/);
  assert.match(response.body, /<Stream url="wss:\/\/voice\.example\.com\/media-stream">/);
  assert.doesNotMatch(
    response.body,
    /media-stream\?/,
    'identity travels in <Parameter>, never the URL (C06)',
  );
  assert.match(
    response.body,
    /<Parameter name="call_id" value="call_CAf00dfeed1234abcd5678ef9012345678"\/>/,
  );
  assert.match(response.body, /<Parameter name="stream_token" value="\d+\.[A-Za-z0-9_-]{43}"\/>/);

  // Twilio retries a webhook it did not hear back from: the same call, the same workflow.
  const retry = await rawPost(stack.apiUrl, '/api/v1/incoming-call', v.body, proxied(v.good));
  assert.equal(retry.status, 200);
  const rows = await callRows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.from_number, '+15005550006');
  assert.equal(await workflowExists(CALL_SID), true);
});

test("accepts a webhook whose URL carries a query with ' and + (C02)", async () => {
  const v = vectors.query_string_as_received;
  const path = v.url.slice(vectors.origin.length);
  const response = await rawPost(stack.apiUrl, path, v.body, {
    'content-type': FORM,
    'x-twilio-signature': v.good,
  });
  assert.equal(response.status, 200);
  assert.match(response.body, /<Connect action="[^"]+" method="POST">/);
});

test('verifies bracketed keys from the raw body and still reads From (C03)', async () => {
  const v = vectors.bracketed_keys;
  await stack.db.query('DELETE FROM calls WHERE call_sid = $1', [CALL_SID]).catch(() => undefined);
  const response = await rawPost(stack.apiUrl, '/api/v1/incoming-call', v.body, {
    'content-type': FORM,
    'x-twilio-signature': v.good,
  });
  assert.equal(response.status, 200);
  const rows = await callRows();
  assert.ok(rows.every((row) => row.from_number === '+15005550006'));
});

test('refuses a tampered body with a valid signature for the original', async () => {
  const v = vectors.bracketed_keys;
  const tampered = v.body.replace('%2B15005550006', '%2B15005550099');
  const response = await rawPost(stack.apiUrl, '/api/v1/incoming-call', tampered, {
    'content-type': FORM,
    'x-twilio-signature': v.good,
  });
  assert.equal(response.status, 403);
});

test('a status callback signature is checked before anything is signalled', async () => {
  const response = await rawPost(
    stack.apiUrl,
    '/api/v1/call-status?call_id=call_x',
    `CallSid=${CALL_SID}&CallStatus=completed`,
    {
      'content-type': FORM,
      'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl',
    },
  );
  assert.equal(response.status, 403);
});
