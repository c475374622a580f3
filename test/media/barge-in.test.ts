import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { synthesizeTone } from '../../simulators/audio.js';
import type { ScenarioFactory } from '../../simulators/realtime/index.js';
import { eventually, startTestStack } from '../support/stack.js';
import { openInboundCall, TwilioPeer, type ReceivedMessage } from '../support/twilio-peer.js';

const GREETING_TEXT = 'one two three four five six seven eight nine ten';

/** The agent greets with 2,000 ms of audio, and one more delta arrives after the caller starts. */
const longGreeting: ScenarioFactory = (session) => {
  session.onResponseRequested((request) =>
    request.source === 'client' && request.utteranceIndex === undefined
      ? { items: [{ say: GREETING_TEXT, durationMs: 2_000 }], extraDeltaAfterSpeechStart: true }
      : undefined,
  );
};

let stack: Stack;
before(async () => {
  stack = await startTestStack({ scenario: longGreeting });
});
after(() => stack.stop());

const marks = (peer: TwilioPeer) =>
  peer.received.filter(
    (m): m is ReceivedMessage & { mark: { name: string } } => m.event === 'mark',
  );
const mediaBytes = (messages: ReceivedMessage[]) =>
  messages
    .filter((m) => m.event === 'media')
    .reduce((sum, m) => sum + Buffer.from(m.media?.payload ?? '', 'base64').length, 0);

async function agentTurns(callId: string) {
  return (
    await stack.db.query<{ text: string; interrupted: boolean }>(
      "SELECT text, interrupted FROM transcript_turns WHERE call_id = $1 AND role = 'agent' ORDER BY sequence",
      [callId],
    )
  ).rows;
}

test('barge-in clears Twilio once, truncates at the audio played, drops the late delta (C07)', async () => {
  const call = await openInboundCall(stack);
  const peer = await TwilioPeer.connect(stack);
  peer.start(call);

  // All 2,000 ms arrive faster than real time, with a mark every 200 ms.
  await eventually(
    () => Promise.resolve(marks(peer).length >= 10 ? true : undefined),
    15_000,
    'ten marks',
  );
  assert.equal(mediaBytes(peer.received), 16_000);

  // Twilio has played 600 ms: it returns the first three marks, then the caller speaks.
  for (const mark of marks(peer).slice(0, 3)) peer.echoMark(mark.mark.name);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await peer.streamAudio(synthesizeTone(600, 300, 8_000));

  await peer.waitFor((m) => m.event === 'clear');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const clearAt = peer.received.findIndex((m) => m.event === 'clear');
  assert.equal(peer.received.filter((m) => m.event === 'clear').length, 1, 'exactly one clear');
  assert.equal(
    peer.received.slice(clearAt + 1).filter((m) => m.event === 'media').length,
    0,
    'the late delta is not forwarded',
  );

  const session = stack.model.sessions.at(-1);
  assert.ok(session);
  assert.equal(session.truncations.length, 1);
  assert.equal(session.truncations[0]?.audioEndMs, 600);

  // Twilio returns the pending marks of discarded audio after a clear; they are not playback (C08).
  for (const mark of marks(peer).slice(3)) peer.echoMark(mark.mark.name);
  peer.stop();
  await peer.closed();

  const turns = await eventually(async () => {
    const rows = await agentTurns(call.callId);
    return rows.length > 0 ? rows : undefined;
  });
  assert.deepEqual(turns, [{ text: 'one two three', interrupted: true }]);
});

test('speech after every mark came back needs no clear and no truncate (C07)', async () => {
  const call = await openInboundCall(stack);
  const peer = await TwilioPeer.connect(stack);
  peer.start(call);

  await eventually(
    () => Promise.resolve(marks(peer).length >= 10 ? true : undefined),
    15_000,
    'ten marks',
  );
  for (const mark of marks(peer)) peer.echoMark(mark.mark.name);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await peer.streamAudio(synthesizeTone(600, 300, 8_000));
  await new Promise((resolve) => setTimeout(resolve, 1_500));

  assert.equal(peer.received.filter((m) => m.event === 'clear').length, 0);
  assert.equal(stack.model.sessions.at(-1)?.truncations.length, 0);
  peer.stop();
  await peer.closed();

  const turns = await eventually(async () => {
    const rows = await agentTurns(call.callId);
    return rows.length > 0 ? rows : undefined;
  });
  assert.deepEqual(turns, [{ text: GREETING_TEXT, interrupted: false }]);
});
