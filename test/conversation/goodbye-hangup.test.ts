/**
 * C08: the call ends only after the goodbye is heard (Twilio returned the mark
 * after its last frame), the marks Twilio hands back for audio a `clear`
 * discarded never count as played, an interrupted goodbye cancels the
 * hang-up, and ending the call ends the phone leg through Twilio's REST API.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import type { SimulatedCall } from '../../simulators/phone/index.js';
import { startTestStack } from '../support/stack.js';
import {
  addAgentVersion,
  callInbound,
  clientEvents,
  finishedCall,
  scriptedAgent,
} from './support.js';

const GOODBYE = 'Thanks for calling, goodbye!';
const LONG_ANSWER =
  'Let me read you the whole of our terms and conditions, clause by clause, from the start.';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

/** Call time (ms since created) of the last mark Twilio returned as played. */
function lastPlayedMarkAtCallMs(call: SimulatedCall): number {
  const stream = call.stream;
  const played = stream?.marksReturned.filter((mark) => mark.cause === 'played').at(-1);
  assert.ok(stream?.startedAtMs !== null && stream?.startedAtMs !== undefined && played);
  return stream.startedAtMs + played.atStreamMs;
}

function endedAtCallMs(call: SimulatedCall): number {
  const ended = call.events.find((event) => event.type === 'ended');
  assert.ok(ended);
  return ended.atMs;
}

test('hangs up after the last goodbye mark, though stale marks of cleared audio came back earlier', async () => {
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: (index) =>
        index === 0
          ? { items: [{ say: LONG_ANSWER, durationMs: 12_000 }] }
          : {
              items: [
                { say: GOODBYE, durationMs: 2_000 },
                { call: 'end_call', arguments: { reason: 'done' } },
              ],
            },
    }),
  );
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSpeakingForMs: 800 }, speakMs: 600 },
    ],
  });
  const { summary, record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);
  const stream = phoneCall.stream;
  assert.ok(stream);

  // Twilio handed back the marks of the cleared audio at once...
  const stale = stream.marksReturned.filter((mark) => mark.cause === 'cleared');
  assert.ok(stale.length >= 10, `${stale.length} marks returned by the clear`);
  // ...and none counted as played: the long answer was truncated near what had played.
  const [truncate] = clientEvents(modelSessions[0], 'conversation.item.truncate');
  assert.ok(
    truncate?.audioEndMs !== undefined && truncate.audioEndMs <= 1_200,
    `truncated at ${truncate?.audioEndMs}`,
  );

  // The goodbye played to its last frame before the agent hung up through the REST API.
  assert.equal(phoneCall.endedBy, 'api');
  assert.ok(endedAtCallMs(phoneCall) >= lastPlayedMarkAtCallMs(phoneCall));
  assert.equal(stream.agentAudioDiscardedBytes, stream.clears[0]?.discardedBytes);
  const goodbye = record.transcript.at(-1);
  assert.deepEqual([goodbye.role, goodbye.text, goodbye.interrupted], ['agent', GOODBYE, false]);
  assert.equal(summary.endReason, 'agent_ended_call');
  assert.equal(summary.outcome, 'completed');
  assert.deepEqual(
    record.function_calls.map((call: any) => [call.name, call.status]),
    [['end_call', 'succeeded']],
  );
});

test('an interrupted goodbye cancels the hang-up; the next goodbye ends the call once heard', async () => {
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: (index) =>
        index === 0
          ? {
              items: [
                { say: GOODBYE, durationMs: 4_000 },
                { call: 'end_call', arguments: {} },
              ],
            }
          : { items: [{ say: 'Of course. Goodbye again!' }, { call: 'end_call', arguments: {} }] },
    }),
  );
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      // Well into the goodbye, after end_call came back: the caller has one more thing to say.
      { when: { agentSpeakingForMs: 1_500 }, speakMs: 700 },
    ],
  });
  const { summary, record, phoneCall } = await finishedCall(stack, callId, version);

  assert.equal(phoneCall.stream?.clears.length, 1);
  assert.deepEqual(
    record.function_calls.map((call: any) => call.name),
    ['end_call', 'end_call'],
  );
  const agentTurns = record.transcript.filter((turn: any) => turn.role === 'agent');
  assert.equal(agentTurns[1].interrupted, true, 'the first goodbye was cut off');
  assert.ok(GOODBYE.startsWith(agentTurns[1].text));
  assert.deepEqual(
    [agentTurns[2].text, agentTurns[2].interrupted],
    ['Of course. Goodbye again!', false],
  );
  assert.equal(phoneCall.endedBy, 'api');
  assert.ok(endedAtCallMs(phoneCall) >= lastPlayedMarkAtCallMs(phoneCall));
  assert.equal(summary.endReason, 'agent_ended_call');
});
