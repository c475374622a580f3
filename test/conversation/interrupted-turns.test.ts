/**
 * Playback truth: when the caller speaks over the agent, Twilio's buffer is
 * cleared, the agent's item is truncated where the caller stopped hearing it
 * (never past what was sent), late audio of the cut item is dropped, later
 * items of the same answer are truncated to nothing, and the transcript keeps
 * only what the caller heard, marked as interrupted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { startTestStack } from '../support/stack.js';
import {
  addAgentVersion,
  callInbound,
  clientEvents,
  finishedCall,
  scriptedAgent,
} from './support.js';

const LONG_ANSWER = Array.from({ length: 40 }, (_, index) => `word${index + 1}`).join(' ') + '.';
const LONG_ANSWER_MS = 20_000;
const SECOND_ITEM = 'This second sentence is never heard.';
const REPLY = 'Sure, go ahead.';
const SHORT_FIRST = 'One two three four five six seven eight.';
const QUEUED_SECOND = 'This whole sentence was queued at Twilio but never played.';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

test('a barge-in truncates at the audio heard, drops late audio and stores what the caller heard', async () => {
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: (index) =>
        index === 0
          ? {
              items: [{ say: LONG_ANSWER, durationMs: LONG_ANSWER_MS }, { say: SECOND_ITEM }],
              extraDeltaAfterSpeechStart: true,
            }
          : { items: [{ say: REPLY }] },
    }),
  );
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSpeakingForMs: 1_000 }, speakMs: 700 },
      { when: { afterMs: 2_500 }, hangUp: true },
    ],
  });
  const { record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);
  const [session] = modelSessions;
  assert.ok(session && phoneCall.stream);

  // Twilio: exactly one clear, and it discarded the unplayed part of the long answer.
  const { clears } = phoneCall.stream;
  assert.equal(clears.length, 1);
  assert.ok(
    clears[0] && clears[0].discardedBytes > 4_000 * 8,
    `discarded ${clears[0]?.discardedBytes} bytes`,
  );

  // The model: the long item truncated at what was heard (mark-precise); its answer was cut
  // before the second item began, so greeting, long item and reply are all that spoke.
  const truncations = clientEvents(session, 'conversation.item.truncate');
  const spokenItems = Object.keys(session.agentAudioBytesByItem);
  assert.equal(spokenItems.length, 3);
  const longItemId = spokenItems[1] ?? '';
  assert.deepEqual(
    truncations.map((event) => event.itemId),
    [longItemId],
  );
  const longTruncate = truncations[0];
  assert.ok(longTruncate?.audioEndMs !== undefined);
  // Heard about 1 s when the caller cut in; marks every 200 ms (a busy machine returns them late).
  assert.ok(
    longTruncate.audioEndMs >= 200 && longTruncate.audioEndMs <= 1_400,
    `truncated at ${longTruncate.audioEndMs} ms`,
  );
  assert.equal(longTruncate.audioEndMs % 200, 0, 'at a mark');
  assert.ok(longTruncate.audioEndMs <= (session.agentAudioBytesByItem[longItemId] ?? 0) / 8);
  assert.deepEqual(session.errors, [], 'the model accepted every truncate');

  // The late delta the model sent after speech started never reached Twilio.
  const modelBytes = Object.values(session.agentAudioBytesByItem).reduce(
    (sum, bytes) => sum + bytes,
    0,
  );
  assert.equal(phoneCall.stream.agentMediaBytes, modelBytes - 800);

  // The transcript: the cut turn holds the first words heard, marked interrupted; nothing unheard.
  const agentTurns = record.transcript.filter((turn: any) => turn.role === 'agent');
  assert.deepEqual(
    agentTurns.map((turn: any) => turn.interrupted),
    [false, true, false],
  );
  const heard = agentTurns[1].text as string;
  assert.ok(
    LONG_ANSWER.startsWith(heard) && heard.length < LONG_ANSWER.length / 4,
    `heard: ${heard}`,
  );
  assert.equal(agentTurns[2].text, REPLY);
  assert.equal(
    record.transcript.some((turn: any) => turn.text.includes('never heard')),
    false,
  );
  assert.deepEqual(
    record.transcript.map((turn: any) => turn.role),
    ['agent', 'caller', 'agent', 'caller', 'agent'],
  );
});

test('items queued behind the one playing are truncated to nothing and left out of the transcript', async () => {
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: (index) =>
        index === 0
          ? {
              items: [
                { say: SHORT_FIRST, durationMs: 1_600 },
                { say: QUEUED_SECOND, durationMs: 3_000 },
              ],
            }
          : { items: [{ say: REPLY }] },
    }),
  );
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSpeakingForMs: 800 }, speakMs: 600 },
      { when: { afterMs: 2_500 }, hangUp: true },
    ],
  });
  const { record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);
  const [session] = modelSessions;
  assert.ok(session && phoneCall.stream);

  // Both items of the answer were sent to Twilio (the model is faster than real time) before the cut.
  const [, firstItemId, queuedItemId] = Object.keys(session.agentAudioBytesByItem);
  const truncations = clientEvents(session, 'conversation.item.truncate');
  const cuts = Object.fromEntries(truncations.map((event) => [event.itemId, event.audioEndMs]));
  assert.equal(truncations.length, 2);
  assert.ok(firstItemId && queuedItemId);
  assert.ok(
    (cuts[firstItemId] ?? 0) >= 200 && (cuts[firstItemId] ?? 0) < 1_600,
    `first cut at ${cuts[firstItemId]}`,
  );
  assert.equal(cuts[queuedItemId], 0);
  assert.deepEqual(session.errors, []);

  const texts = record.transcript
    .filter((turn: any) => turn.role === 'agent')
    .map((turn: any) => turn.text);
  assert.equal(
    texts.some((text: string) => text.includes('queued at Twilio')),
    false,
  );
  const cut = record.transcript.find(
    (turn: any) => turn.interrupted && SHORT_FIRST.startsWith(turn.text),
  );
  assert.ok(cut, 'the first sentence is stored as heard, interrupted');
});
