/**
 * The no-input guard: when the caller stays silent after the agent finished
 * speaking, the agent asks once whether they are still there; if silence
 * continues it says a polite goodbye, which the caller cannot talk over, and
 * hangs up once it has played. Speaking (or keying) resets the guard.
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

const NO_INPUT = {
  timeout_sec: 1,
  prompt: 'Are you still there?',
  goodbye: 'I will hang up now. Goodbye!',
};

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

test('a silent caller is prompted once, then told goodbye, then hung up on', async () => {
  stack.model.setScenario(scriptedAgent());
  const version = await addAgentVersion(stack, { greeting: 'Hello.', no_input: NO_INPUT });
  const { callId } = await callInbound(stack, version, { answer: 'answer' });
  const { summary, record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);
  const [session] = modelSessions;

  assert.deepEqual(
    record.transcript.map((turn: any) => [turn.role, turn.text]),
    [
      ['agent', 'Hello.'],
      ['agent', 'Are you still there?'],
      ['agent', 'I will hang up now. Goodbye!'],
    ],
  );
  assert.equal(summary.endReason, 'no_input');
  assert.equal(summary.outcome, 'completed');
  assert.equal(phoneCall.endedBy, 'api');
  assert.equal(record.end_reason, 'no_input');

  // Before the goodbye, caller speech stopped starting or interrupting responses: a mid-call
  // update that names no voice and no format (C10).
  const updates = clientEvents(session, 'session.update');
  assert.equal(updates.length, 2);
  const lastWords = updates[1]?.session;
  assert.equal(lastWords?.audio?.output, undefined);
  assert.equal(lastWords?.audio?.input?.format, undefined);
  assert.deepEqual(
    [
      lastWords?.audio?.input?.turn_detection?.create_response,
      lastWords?.audio?.input?.turn_detection?.interrupt_response,
    ],
    [false, false],
  );
  assert.deepEqual(session?.errors, []);
  const goodbyeRequest = clientEvents(session, 'response.create').at(-1);
  assert.match(
    goodbyeRequest?.instructions ?? '',
    /Say exactly these words: I will hang up now\. Goodbye!$/,
  );
});

test('a caller who answers the prompt resets the guard', async () => {
  stack.model.setScenario(
    scriptedAgent({ afterUtterance: () => ({ items: [{ say: 'Great, go on.' }] }) }),
  );
  const version = await addAgentVersion(stack, { greeting: 'Hello.', no_input: NO_INPUT });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    // Silent through the greeting (a step with no action only waits); answers the first prompt only.
    script: [
      { when: { agentSilentForMs: 200 } },
      { when: { agentSilentForMs: 300 }, speakMs: 700 },
    ],
  });
  const { summary, record } = await finishedCall(stack, callId, version);

  assert.deepEqual(
    record.transcript.map((turn: any) => (turn.role === 'agent' ? turn.text : 'caller')),
    [
      'Hello.',
      'Are you still there?',
      'caller',
      'Great, go on.',
      'Are you still there?',
      'I will hang up now. Goodbye!',
    ],
  );
  assert.equal(summary.endReason, 'no_input');
});
