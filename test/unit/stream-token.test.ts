import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mintStreamToken, verifyStreamToken } from '../../lib/stream-token.js';
import { connectStreamTwiml, holdTwiml, streamEndedUrl } from '../../lib/twiml.js';

const SECRET = 'stream-token-secret-for-unit-tests';
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

test('a token opens its own stream of its own call, before it expires', () => {
  const first = mintStreamToken(SECRET, 'call_a', { nowMs: NOW });
  assert.equal(verifyStreamToken(SECRET, 'call_a', first, { nowMs: NOW }), true);
  assert.equal(verifyStreamToken(SECRET, 'call_b', first, { nowMs: NOW }), false);
  assert.equal(verifyStreamToken(SECRET, 'call_a', first, { nowMs: NOW + 11 * 60_000 }), false);

  const second = mintStreamToken(SECRET, 'call_a', { stream: 2, nowMs: NOW });
  assert.equal(verifyStreamToken(SECRET, 'call_a', second, { stream: 2, nowMs: NOW }), true);
  // The lost stream's token never opens its replacement, nor the replacement's the first.
  assert.equal(verifyStreamToken(SECRET, 'call_a', first, { stream: 2, nowMs: NOW }), false);
  assert.equal(verifyStreamToken(SECRET, 'call_a', second, { stream: 1, nowMs: NOW }), false);
  assert.equal(verifyStreamToken(SECRET, 'call_a', second, { stream: 3, nowMs: NOW }), false);
});

test('a first-stream token is the same as before failover existed (calls in flight keep working)', () => {
  const token = mintStreamToken(SECRET, 'call_a', { nowMs: NOW });
  assert.equal(verifyStreamToken(SECRET, 'call_a', token, { nowMs: NOW }), true);
  assert.equal(verifyStreamToken(SECRET, 'call_a', token, { stream: 1, nowMs: NOW }), true);
  assert.match(token, /^\d+\.[A-Za-z0-9_-]{43}$/);
});

test('the TwiML of a replacement stream names it and leads back to the product when it ends', () => {
  const url = streamEndedUrl('https://voice.example.test', 'call_a');
  assert.equal(url, 'https://voice.example.test/api/v1/stream-ended?call_id=call_a');
  const twiml = connectStreamTwiml({
    streamUrl: 'wss://media.example.test/media-stream?ignored=1',
    callId: 'call_a',
    streamToken: 'tok',
    stream: 2,
    streamEndedUrl: url,
  });
  assert.match(
    twiml,
    /<Connect action="https:\/\/voice\.example\.test\/api\/v1\/stream-ended\?call_id=call_a" method="POST">/,
  );
  assert.match(twiml, /<Stream url="wss:\/\/media\.example\.test\/media-stream">/);
  assert.match(twiml, /<Parameter name="stream" value="2"\/>/);
  const first = connectStreamTwiml({
    streamUrl: 'wss://m.test/s',
    callId: 'call_a',
    streamToken: 't',
  });
  assert.doesNotMatch(first, /name="stream"/);
  assert.match(holdTwiml(), /<Pause length="30"\/><Hangup\/>/);
});
