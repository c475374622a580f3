/**
 * Junk on /media-stream after a valid upgrade: binary frames, text that is not
 * JSON, unknown events, media without a payload are ignored (one warning per
 * stream, however many) and the stream still starts with a valid `start`; a
 * `start` that does not parse, a frame past the largest message, or no
 * `start` at all closes the stream. None of it opens a model session, and
 * nothing is left open.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { captureLog, type CapturedLog } from '../support/log-sink.js';
import { eventually, startTestStack } from '../support/stack.js';
import { openInboundCall, TwilioPeer } from '../support/twilio-peer.js';

const MAX_MESSAGE_BYTES = 16 * 1_024;
const START_TIMEOUT_MS = 1_000;

let stack: Stack;
let log: CapturedLog;
before(async () => {
  log = captureLog();
  stack = await startTestStack({
    logger: log.logger,
    configuration: {
      MEDIA_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
      MEDIA_START_TIMEOUT_MS: String(START_TIMEOUT_MS),
    },
  });
});
after(() => stack.stop());

async function noSessionsLeft(): Promise<void> {
  await eventually(
    async () => (stack.media.sessions.size === 0 ? true : undefined),
    15_000,
    'every bridge session to end',
  );
}

test('ignores binary, non-JSON, unknown and invalid frames with one warning, then starts on a valid start', async () => {
  const warningsBefore = log.count('twilio sent a message that does not parse');
  const call = await openInboundCall(stack);
  const peer = await TwilioPeer.connect(stack);

  peer.socket.send(Buffer.from([0x00, 0xff, 0x10, 0x80]), { binary: true });
  for (const junk of [
    'not json',
    '[]',
    'null',
    '42',
    '{"event":"surprise","surprise":{}}',
    '{"event":"media","media":{"payload":42}}',
    '{"event":"media"}',
    '{"event":"mark","mark":"not-an-object"}',
    '{"event":"dtmf","dtmf":{"digit":"not a digit"}}',
    '{"no":"event"}',
  ]) {
    peer.socket.send(junk);
  }
  for (let index = 0; index < 500; index += 1) peer.socket.send(`junk ${index}`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(peer.socket.readyState, peer.socket.OPEN, 'junk alone does not end the stream');
  assert.equal(stack.model.connectionAttempts, 0);

  peer.start(call);
  await peer.waitFor((message) => message.event === 'media');
  assert.equal(stack.model.connectionAttempts, 1, 'the valid start opened one model session');
  assert.equal(log.count('twilio sent a message that does not parse') - warningsBefore, 1);

  peer.stop();
  await peer.closed();
  await noSessionsLeft();
});

test('a start that does not parse closes the stream with 1008 and opens no model session', async () => {
  const attempts = stack.model.connectionAttempts;
  const call = await openInboundCall(stack);
  const customParameters = { call_id: call.callId, stream_token: call.streamToken };
  const starts = [
    { event: 'start' },
    { event: 'start', streamSid: 'MZ1', start: 'junk' },
    { event: 'start', streamSid: 'MZ1', start: { streamSid: 'MZ1', customParameters } },
    {
      event: 'start',
      streamSid: 'MZ1',
      start: { streamSid: 'MZ1', callSid: call.callSid, customParameters: { call_id: 7 } },
    },
    { event: 'start', streamSid: 42, start: { streamSid: 42, callSid: call.callSid } },
  ];
  for (const start of starts) {
    const peer = await TwilioPeer.connect(stack);
    const closed = peer.closed();
    peer.socket.send(JSON.stringify(start));
    assert.equal((await closed).code, 1008, JSON.stringify(start));
  }
  assert.equal(stack.model.connectionAttempts, attempts);
  await noSessionsLeft();
});

test('a frame past the largest message closes the stream with 1009, and the bridge carries on', async () => {
  const attempts = stack.model.connectionAttempts;
  const peer = await TwilioPeer.connect(stack);
  const closed = peer.closed();
  peer.socket.send(`{"event":"media","media":{"payload":"${'A'.repeat(MAX_MESSAGE_BYTES)}"}}`);
  assert.equal((await closed).code, 1009);
  assert.equal(stack.model.connectionAttempts, attempts);
  await noSessionsLeft();

  const call = await openInboundCall(stack);
  const next = await TwilioPeer.connect(stack);
  next.start(call);
  await next.waitFor((message) => message.event === 'media');
  next.stop();
  await next.closed();
  await noSessionsLeft();
});

test('a socket that never sends start is closed with 1008 after MEDIA_START_TIMEOUT_MS', async () => {
  const attempts = stack.model.connectionAttempts;
  const peer = await TwilioPeer.connect(stack);
  const openedAt = Date.now();
  peer.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  const { code } = await peer.closed();
  const afterMs = Date.now() - openedAt;

  assert.equal(code, 1008);
  // Not before the timeout; well within a busy machine's slack after it.
  assert.ok(afterMs >= START_TIMEOUT_MS - 50, `closed after ${afterMs} ms`);
  assert.ok(afterMs < START_TIMEOUT_MS + 10_000, `closed after ${afterMs} ms`);
  assert.equal(stack.model.connectionAttempts, attempts);
  await noSessionsLeft();
});
