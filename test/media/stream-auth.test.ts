import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { startSignatureCaseStack, signatureVectors } from '../support/signature-cases.js';
import { openInboundCall, TwilioPeer } from '../support/twilio-peer.js';

const vectors = signatureVectors;

let stack: Stack;
before(async () => {
  stack = await startSignatureCaseStack();
});
after(() => stack.stop());

test('upgrades a stream signed over the wss URL, and refuses https-signed or unsigned upgrades with 403 (C05)', async () => {
  const good = await TwilioPeer.connect(stack, vectors.media_stream_upgrade.good);
  good.socket.close();

  await assert.rejects(TwilioPeer.connect(stack, vectors.media_stream_upgrade.signed_with_https_scheme), /upgrade refused: 403/);
  await assert.rejects(TwilioPeer.connect(stack, null), /upgrade refused: 403/);
  assert.equal(stack.model.connectionAttempts, 0, 'no model session was opened');
});

test('closes a stream whose start has no valid per-call token with 1008, opening no model session (C05)', async () => {
  const call = await openInboundCall(stack);
  const cases = [
    { callSid: call.callSid },
    { callSid: call.callSid, callId: call.callId },
    { callSid: call.callSid, callId: call.callId, streamToken: `${call.streamToken.split('.')[0]}.${'A'.repeat(43)}` },
    { callSid: call.callSid, callId: 'call_CAsomebodyelse', streamToken: call.streamToken },
  ];
  for (const start of cases) {
    const peer = await TwilioPeer.connect(stack);
    const closed = peer.closed();
    peer.start(start);
    const { code } = await closed;
    assert.equal(code, 1008);
  }
  assert.equal(stack.model.connectionAttempts, 0);
});

test('opens exactly one model session for a stream with a valid token', async () => {
  const call = await openInboundCall(stack);
  const peer = await TwilioPeer.connect(stack);
  peer.start(call);
  await peer.waitFor((message) => message.event === 'media');
  assert.equal(stack.model.connectionAttempts, 1);
  assert.ok(peer.received.every((message) => message.streamSid === peer.streamSid), 'every message names the stream (C06)');
  peer.stop();
  await peer.closed();
});
