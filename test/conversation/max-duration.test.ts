/**
 * The time limit: when a call reaches the version's max_call_duration_sec the
 * agent stops where it is (Twilio's buffer cleared, the item truncated at what
 * was heard), says the wrap-up, which the caller cannot talk over, and hangs
 * up once it has played. The record says why the call ended.
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

const WRAP_UP = 'We have reached our time limit. Goodbye!';
const STORY = 'Here is a very long story about our products.';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

test('at the time limit the agent is cut off, says the wrap-up uninterrupted, and hangs up', async () => {
  stack.model.setScenario(
    scriptedAgent({ afterUtterance: () => ({ items: [{ say: STORY, durationMs: 20_000 }] }) }),
  );
  const version = await addAgentVersion(stack, {
    greeting: 'Hello.',
    max_call_duration_sec: 4,
    wrap_up_message: WRAP_UP,
  });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 300 }, speakMs: 700 },
      // The caller tries to talk over the wrap-up; it plays on.
      { when: { agentSpeakingForMs: 4_000 }, speakMs: 1_500 },
    ],
  });
  const { summary, record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);
  const [session] = modelSessions;

  // The story was cut at the limit: one clear, truncated at what had played, stored as heard.
  assert.equal(phoneCall.stream?.clears.length, 1);
  const [truncate] = clientEvents(session, 'conversation.item.truncate');
  assert.ok(
    truncate?.audioEndMs !== undefined && truncate.audioEndMs > 0 && truncate.audioEndMs < 4_000,
  );
  const story = record.transcript[2];
  assert.ok(
    story.role === 'agent' && STORY.startsWith(story.text) && story.text.length < STORY.length,
  );
  assert.equal(story.interrupted, true);

  // The wrap-up played whole, after which the agent hung up.
  const last = record.transcript.at(-1);
  assert.deepEqual([last.role, last.text, last.interrupted], ['agent', WRAP_UP, false]);
  assert.equal(phoneCall.endedBy, 'api');
  assert.equal(summary.endReason, 'max_duration');
  assert.equal(record.end_reason, 'max_duration');
  assert.ok(
    record.duration_sec >= 4 && record.duration_sec <= 15,
    `lasted ${record.duration_sec} s`,
  );

  // The wrap-up's session update keeps to turn detection: no voice, no format (C10).
  const updates = clientEvents(session, 'session.update');
  assert.equal(updates.length, 2);
  assert.equal(updates[1]?.session?.audio?.output, undefined);
  assert.equal(updates[1]?.session?.audio?.input?.turn_detection?.interrupt_response, false);
  assert.deepEqual(session?.errors, []);
});
