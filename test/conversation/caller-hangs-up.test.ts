/**
 * The caller hangs up while the agent is mid-answer: the model session is
 * closed at once, nothing more goes to Twilio, the agent's turn is stored with
 * only what was heard (marked interrupted), and the call ends as the caller's
 * doing, without the product hanging up a call that is already gone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { startTestStack } from '../support/stack.js';
import { addAgentVersion, callInbound, finishedCall, scriptedAgent } from './support.js';

const ANSWER =
  'Our opening hours are nine to five on weekdays and ten to two on Saturdays, closed on Sundays.';

let stack: Stack;
before(async () => {
  stack = await startTestStack({
    scenario: scriptedAgent({
      afterUtterance: () => ({ items: [{ say: ANSWER, durationMs: 15_000 }] }),
    }),
  });
});
after(() => stack.stop());

test('a caller hanging up mid-answer closes the model session and keeps what was heard', async () => {
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 300 }, speakMs: 700 },
      { when: { agentSpeakingForMs: 2_000 }, hangUp: true },
    ],
  });
  const { summary, record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);
  const [session] = modelSessions;

  // Twilio: the party left; the product neither hung up nor sent anything after the stream stopped.
  assert.equal(phoneCall.endedBy, 'party');
  assert.equal(
    phoneCall.twimlDocuments.filter((document) => document.source === 'update').length,
    0,
  );
  assert.equal(phoneCall.stream?.endedBy, 'stop');
  assert.deepEqual(phoneCall.stream?.invalidMessages, []);

  // The model: its socket closed by the bridge as the stream stopped.
  assert.equal(session?.closeCode, 1000);

  // The record: the answer as far as it was heard, interrupted; the call is the caller's to end.
  const last = record.transcript.at(-1);
  assert.equal(last.role, 'agent');
  assert.equal(last.interrupted, true);
  assert.ok(
    ANSWER.startsWith(last.text) && last.text.length < ANSWER.length / 2,
    `stored: ${last.text}`,
  );
  assert.equal(summary.endReason, 'caller_hung_up');
  assert.equal(summary.outcome, 'completed');
});
