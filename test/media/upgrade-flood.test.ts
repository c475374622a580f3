/**
 * A flood of stream upgrades without valid signatures: hundreds at once, each
 * refused with 403 before the upgrade, nothing opened at the model, one
 * throttled warning instead of hundreds of lines, no socket left open, the
 * heap back near where it was, and the bridge still takes a valid stream.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { Stack } from '../../scripts/stack.js';
import { captureLog, type CapturedLog } from '../support/log-sink.js';
import { settledHeapBytes } from '../support/raw-socket.js';
import { eventually, startTestStack } from '../support/stack.js';
import { openInboundCall, TwilioPeer } from '../support/twilio-peer.js';

const FLOOD_SIZE = 300;

let stack: Stack;
let log: CapturedLog;
before(async () => {
  log = captureLog();
  stack = await startTestStack({ logger: log.logger });
});
after(() => stack.stop());

/** Answers the status the upgrade got; 101 if it was (wrongly) upgraded. */
function attemptUpgrade(signature: string | undefined): Promise<number> {
  const socket = new WebSocket(stack.mediaUrl, {
    headers: signature === undefined ? {} : { 'x-twilio-signature': signature },
  });
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('unexpected-response', (request, response) => {
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    socket.once('error', () => resolve(0));
  });
}

function openConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    stack.media.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

test('three hundred concurrent unsigned or forged upgrades are each 403, and cost nothing lasting', async (t) => {
  const baselineHeap = await settledHeapBytes();
  const warningsBefore = log.count('media stream upgrade refused: bad signature');

  const forged = ['', 'AAAA', 'x'.repeat(28), 'bm90IGEgcmVhbCBzaWduYXR1cmU='];
  const statuses = await Promise.all(
    Array.from({ length: FLOOD_SIZE }, (_, index) =>
      attemptUpgrade(index % 5 === 0 ? undefined : forged[index % forged.length]),
    ),
  );

  assert.deepEqual(
    statuses.reduce<Record<number, number>>((counts, status) => {
      counts[status] = (counts[status] ?? 0) + 1;
      return counts;
    }, {}),
    { 403: FLOOD_SIZE },
  );
  assert.equal(stack.model.connectionAttempts, 0, 'nothing was opened at the model');
  assert.equal(stack.media.sessions.size, 0);
  const warnings = log.count('media stream upgrade refused: bad signature') - warningsBefore;
  assert.ok(warnings >= 1 && warnings <= 2, `${warnings} warnings for ${FLOOD_SIZE} refusals`);

  await eventually(
    async () => ((await openConnections()) === 0 ? true : undefined),
    10_000,
    'the refused sockets to close',
  );
  const grownBytes = (await settledHeapBytes()) - baselineHeap;
  t.diagnostic(
    `heap after ${FLOOD_SIZE} refused upgrades: ${(grownBytes / 1_048_576).toFixed(1)} MiB from baseline`,
  );
  assert.ok(grownBytes < 16 * 1_024 * 1_024, `heap grew by ${grownBytes} bytes`);

  const call = await openInboundCall(stack);
  const peer = await TwilioPeer.connect(stack);
  peer.start(call);
  await peer.waitFor((message) => message.event === 'media');
  assert.equal(stack.model.connectionAttempts, 1);
  peer.stop();
  await peer.closed();
});
