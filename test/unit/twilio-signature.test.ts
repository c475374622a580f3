import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  computeSignature,
  isValidTwilioRequest,
  signedUrlFor,
} from '../../lib/twilio-signature.js';

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/signature-vectors.json', import.meta.url), 'utf8'),
);
const token: string = vectors.token;

function form(url: string, body: string, signature: string | undefined) {
  return {
    url,
    signature,
    contentType: 'application/x-www-form-urlencoded',
    rawBody: Buffer.from(body),
  };
}

test('accepts a webhook signed over the public https URL (C01)', () => {
  const v = vectors.inbound_behind_proxy;
  assert.equal(isValidTwilioRequest(token, form(v.url, v.body, v.good)), true);
});

test('refuses signatures over the http scheme or the internal host, and a missing one (C01)', () => {
  const v = vectors.inbound_behind_proxy;
  for (const signature of [v.signed_with_http_scheme, v.signed_with_internal_host, undefined, '']) {
    assert.equal(isValidTwilioRequest(token, form(v.url, v.body, signature)), false);
  }
});

test("hashes the URL as received, with ' and + in the query left alone (C02)", () => {
  const v = vectors.query_string_as_received;
  const url = signedUrlFor(
    'https://voice.example.com/',
    "/api/v1/incoming-call?label=Bay'View+North&route=r_17",
  );
  assert.equal(url, v.url);
  assert.equal(isValidTwilioRequest(token, form(url, v.body, v.good)), true);
});

test('hashes bracketed keys from the raw form body (C03)', () => {
  const v = vectors.bracketed_keys;
  assert.equal(isValidTwilioRequest(token, form(v.url, v.body, v.good)), true);
});

test('checks a JSON webhook through bodySHA256 over the raw bytes (C04)', () => {
  const v = vectors.json_body_hash;
  const json = (body: string, url = v.url) => ({
    url,
    signature: v.good,
    contentType: 'application/json',
    rawBody: Buffer.from(body),
  });
  assert.equal(isValidTwilioRequest(token, json(v.body)), true);
  assert.equal(isValidTwilioRequest(token, json(v.tampered_body)), false);
  assert.equal(isValidTwilioRequest(token, json(v.compact_body)), false);
  assert.equal(
    isValidTwilioRequest(token, json(v.body, 'https://voice.example.com/api/v1/call-events')),
    false,
  );
});

test('signs the media stream upgrade over the wss URL alone (C05)', () => {
  const v = vectors.media_stream_upgrade;
  assert.equal(computeSignature(token, v.url), v.good);
  assert.notEqual(computeSignature(token, v.url.replace('wss:', 'https:')), v.good);
  assert.equal(
    computeSignature(token, v.url.replace('wss:', 'https:')),
    v.signed_with_https_scheme,
  );
});

test('sorts repeated parameter values before hashing', () => {
  const a = computeSignature(
    't',
    'https://x.test/',
    new Map([
      ['B', ['2', '1']],
      ['A', ['z']],
    ]),
  );
  const b = computeSignature(
    't',
    'https://x.test/',
    new Map([
      ['A', ['z']],
      ['B', ['1', '2']],
    ]),
  );
  assert.equal(a, b);
});
