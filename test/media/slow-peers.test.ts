/**
 * Slow peers on the bridge: an upgrade whose headers never finish is cut off
 * at HTTP_HEADERS_TIMEOUT_MS like any slow request; a Twilio peer that stops
 * reading while the agent talks is dropped once MEDIA_MAX_BUFFERED_BYTES are
 * queued for it, instead of the bridge queueing the whole answer in memory.
 * Its model session is closed and its voice session ends as
 * `twilio_not_reading`.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { captureLog, type CapturedLog } from '../support/log-sink.js';
import { openRawConnection } from '../support/raw-socket.js';
import { eventually, startTestStack } from '../support/stack.js';
import { openInboundCall, TwilioPeer } from '../support/twilio-peer.js';

const HEADERS_TIMEOUT_MS = 1_000;
const MAX_BUFFERED_BYTES = 64 * 1_024;
/** One media message to Twilio: 100 ms of audio as base64 in JSON, under 2 KiB. */
const LARGEST_MESSAGE_BYTES = 2_048;

let stack: Stack;
let log: CapturedLog;
before(async () => {
  log = captureLog();
  stack = await startTestStack({
    logger: log.logger,
    // The agent greets with ten minutes of audio, sent a hundred times faster than it plays
    // (the kernel's socket buffers take megabytes before the bridge's own queue grows).
    scenario: (session) =>
      session.onResponseRequested(() => ({
        items: [{ say: 'A very long greeting.', durationMs: 600_000 }],
        audioChunkIntervalMs: 1,
      })),
    configuration: {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(2 * HEADERS_TIMEOUT_MS),
      MEDIA_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
    },
  });
});
after(() => stack.stop());

test('an upgrade whose headers never finish is closed with 408 at the headers timeout', async (t) => {
  const connection = await openRawConnection(stack.mediaUrl.replace(/^ws/, 'http'));
  const request =
    'GET /media-stream HTTP/1.1\r\nhost: localhost\r\nupgrade: websocket\r\nconnection: Upgrade\r\n' +
    `sec-websocket-version: 13\r\nsec-websocket-key: ${'A'.repeat(22)}==\r\nx-slow: ${'s'.repeat(200)}`;
  let offset = 0;
  const timer = setInterval(() => connection.write(request[offset++] ?? ''), 50);

  const { afterMs } = await connection.closed;
  clearInterval(timer);
  t.diagnostic(`unfinished upgrade closed after ${afterMs} ms`);
  assert.match(connection.received(), /^HTTP\/1\.1 408 /);
  assert.ok(afterMs < HEADERS_TIMEOUT_MS + 8_000, `closed after ${afterMs} ms`);
  assert.equal(stack.model.connectionAttempts, 0);
});

test('a peer that stops reading while the agent talks is dropped at the buffered limit', async (t) => {
  const call = await openInboundCall(stack);
  const peer = await TwilioPeer.connect(stack);
  peer.start(call);
  await peer.waitFor((message) => message.event === 'media');
  const model = stack.model.sessions.at(-1);

  // Stop reading: the kernel's buffers fill, then the bridge's own queue grows.
  const stoppedAt = Date.now();
  (peer.socket as unknown as { _socket: Socket })._socket.pause();

  await eventually(
    async () => (stack.media.sessions.size === 0 ? true : undefined),
    60_000,
    'the bridge to drop the peer',
  );
  t.diagnostic(`peer dropped ${Date.now() - stoppedAt} ms after it stopped reading`);
  const drops = log.lines.filter(
    (line) => line.msg === 'twilio stopped reading: dropping the stream',
  );
  assert.equal(drops.length, 1);
  const bufferedBytes = Number(drops[0]?.bufferedBytes);
  assert.ok(bufferedBytes > MAX_BUFFERED_BYTES, `dropped at ${bufferedBytes} bytes queued`);
  assert.ok(
    bufferedBytes <= MAX_BUFFERED_BYTES + LARGEST_MESSAGE_BYTES,
    `queued ${bufferedBytes} bytes`,
  );

  await eventually(
    async () => (model?.closeCode !== null ? true : undefined),
    10_000,
    'the model session to close',
  );
  const session = await eventually(
    async () => {
      const rows = await stack.db.query<{ end_reason: string | null }>(
        'SELECT end_reason FROM voice_sessions WHERE call_id = $1 AND ended_at IS NOT NULL',
        [call.callId],
      );
      return rows.rows[0];
    },
    15_000,
    'the voice session to end',
  );
  assert.equal(session.end_reason, 'twilio_not_reading');
  peer.socket.terminate();
});
