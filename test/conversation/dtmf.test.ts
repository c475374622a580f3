/**
 * DTMF both ways: the caller's key presses reach the model (as a user message)
 * and the workflow (as one keypad entry, recorded by length), a key press
 * interrupts the agent as it would an IVR prompt, and digits the agent sends
 * are played to the far end as in-band tones it can hear.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import type { ResponsePlan } from '../../simulators/realtime/index.js';
import { startTestStack } from '../support/stack.js';
import {
  addAgentVersion,
  callInbound,
  clientEvents,
  finishedCall,
  scriptedAgent,
} from './support.js';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

const MENU = 'Press 1 for sales or 2 for support, then press pound.';

test('menu keys reach the model and the workflow, and a key press interrupts the agent', async () => {
  const followUps: ResponsePlan[] = [{ items: [{ say: 'Connecting you to support.' }] }];
  stack.model.setScenario(scriptedAgent({ onFollowUp: () => followUps.shift() }));
  const version = await addAgentVersion(stack, { greeting: MENU });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSpeakingForMs: 1_000 }, pressDigits: '2#' },
      { when: { agentSilentForMs: 500 }, hangUp: true },
    ],
  });
  const { record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);

  // The key press cut the menu short, as a caller expects of a phone menu.
  assert.equal(phoneCall.stream?.clears.length, 1);
  assert.equal(record.transcript[0].interrupted, true);
  assert.ok(MENU.startsWith(record.transcript[0].text));

  // The model heard the digits (no identity check on this version), and answered.
  const messages = clientEvents(modelSessions[0], 'conversation.item.create').filter(
    (event) => event.itemType === 'message',
  );
  assert.deepEqual(
    messages.map((event) => event.text),
    ['The caller pressed 2 on the keypad.'],
  );
  assert.equal(record.transcript.at(-1).text, 'Connecting you to support.');

  // The workflow got one whole entry, recorded by its length.
  const entries = record.events.filter((event: any) => event.type === 'keypad_entry');
  assert.deepEqual(
    entries.map((event: any) => event.detail),
    [{ digits: 1, endedBy: 'hash' }],
  );
});

test('an entry without pound ends after a pause', async () => {
  const followUps: ResponsePlan[] = [{ items: [{ say: 'One moment.' }] }];
  stack.model.setScenario(scriptedAgent({ onFollowUp: () => followUps.shift() }));
  const version = await addAgentVersion(stack, { greeting: 'Enter your order number.' });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 300 }, pressDigits: '90' },
      { when: { agentSilentForMs: 500 }, hangUp: true },
    ],
  });
  const { record, modelSessions } = await finishedCall(stack, callId, version);

  const messages = clientEvents(modelSessions[0], 'conversation.item.create').filter(
    (event) => event.itemType === 'message',
  );
  assert.deepEqual(
    messages.map((event) => event.text),
    ['The caller pressed 9 0 on the keypad.'],
  );
  const entries = record.events.filter((event: any) => event.type === 'keypad_entry');
  assert.deepEqual(
    entries.map((event: any) => event.detail),
    [{ digits: 2, endedBy: 'pause' }],
  );
});

test('digits the agent sends are played as tones the far end hears', async () => {
  const followUps: ResponsePlan[] = [{ items: [{ say: 'I have entered the extension.' }] }];
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: () => ({ items: [{ call: 'send_digits', arguments: { digits: '1234#' } }] }),
      onFollowUp: () => followUps.shift(),
    }),
  );
  const version = await addAgentVersion(stack, {
    greeting: 'Hello.',
    tools: [
      { type: 'builtin', name: 'send_digits' },
      { type: 'builtin', name: 'end_call' },
    ],
  });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      // An IVR answering the agent: "enter the extension".
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSilentForMs: 600 }, hangUp: true },
    ],
  });
  const { record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);

  assert.deepEqual(phoneCall.stream?.digitsHeard, ['1', '2', '3', '4', '#']);
  assert.deepEqual(
    record.function_calls.map((call: any) => [call.name, call.status, call.arguments]),
    [['send_digits', 'succeeded', { digits: '1234#' }]],
  );
  assert.equal(record.transcript.at(-1).text, 'I have entered the extension.');
  assert.deepEqual(modelSessions[0]?.errors, []);
});
