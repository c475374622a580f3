import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { startSignatureCaseStack, signatureVectors } from '../support/signature-cases.js';
import { eventually } from '../support/stack.js';
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

  await assert.rejects(
    TwilioPeer.connect(stack, vectors.media_stream_upgrade.signed_with_https_scheme),
    /upgrade refused: 403/,
  );
  await assert.rejects(TwilioPeer.connect(stack, null), /upgrade refused: 403/);
  assert.equal(stack.model.connectionAttempts, 0, 'no model session was opened');
});

test('closes a stream whose start has no valid per-call token with 1008, opening no model session (C05)', async () => {
  const call = await openInboundCall(stack);
  const cases = [
    { callSid: call.callSid },
    { callSid: call.callSid, callId: call.callId },
    {
      callSid: call.callSid,
      callId: call.callId,
      streamToken: `${call.streamToken.split('.')[0]}.${'A'.repeat(43)}`,
    },
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
  assert.ok(
    peer.received.every((message) => message.streamSid === peer.streamSid),
    'every message names the stream (C06)',
  );
  peer.stop();
  await peer.closed();
});

test('a second socket replaying a live call token is refused, and opens no model session', async () => {
  const call = await openInboundCall(stack);
  const first = await TwilioPeer.connect(stack);
  first.start(call);
  await first.waitFor((message) => message.event === 'media');
  const attempts = stack.model.connectionAttempts;

  const replay = await TwilioPeer.connect(stack);
  const closed = replay.closed();
  replay.start({ ...call, callSid: 'CAforged' });
  assert.equal((await closed).code, 1008);
  const sameSid = await TwilioPeer.connect(stack);
  const closedToo = sameSid.closed();
  sameSid.send({
    event: 'start',
    streamSid: first.streamSid,
    start: {
      streamSid: first.streamSid,
      callSid: call.callSid,
      customParameters: { call_id: call.callId, stream_token: call.streamToken },
    },
  });
  assert.equal((await closedToo).code, 1008);
  assert.equal(stack.model.connectionAttempts, attempts);
  first.stop();
  await first.closed();
});

test('a call Twilio no longer knows still closes its record when the stream drops', async () => {
  const call = await openInboundCall(stack);
  const peer = await TwilioPeer.connect(stack);
  peer.start(call);
  await peer.waitFor((message) => message.event === 'media');
  peer.socket.close();

  const row = await eventually(
    async () => {
      const result = await stack.db.query<{
        status: string;
        end_reason: string;
        ended_at: Date | null;
      }>('SELECT status, end_reason, ended_at FROM calls WHERE id = $1', [call.callId]);
      return result.rows[0]?.ended_at ? result.rows[0] : undefined;
    },
    60_000,
    'the call to close',
  );
  assert.equal(row.status, 'failed');
  assert.equal(row.end_reason, 'status_unknown');
});
