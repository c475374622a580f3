/**
 * C09: the model calls a function inside a response that is still speaking.
 * The bridge runs the tool once per call_id (a repeated arguments event is
 * ignored), sends one function_call_output, and asks for the follow-up only
 * once the open response is done. If the model still answers
 * conversation_already_has_active_response, the call carries on.
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

const lookup = { call: 'check_order_status', arguments: { order_id: 'A-1001' } };

test('a result that arrives while the response still speaks waits for response.done; the repeated call runs once', async () => {
  const followUps: ResponsePlan[] = [{ items: [{ say: 'It has shipped.' }] }];
  stack.model.setScenario(
    scriptedAgent({
      // The function call comes first, then sixteen seconds of speech: the model sends that for
      // about 1.6 s, long after the tool's answer is back.
      afterUtterance: () => ({
        items: [
          lookup,
          { say: 'Let me check that for you while I look it up.', durationMs: 16_000 },
        ],
        repeatArgumentsDone: true,
      }),
      onFollowUp: () => followUps.shift(),
    }),
  );
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSilentForMs: 800 }, hangUp: true },
    ],
  });
  const { record, modelSessions } = await finishedCall(stack, callId, version);
  const [session] = modelSessions;
  assert.ok(session);

  // The arguments event came twice; the tool ran once and one output went back.
  assert.equal(
    session.serverEventTypes.filter((type) => type === 'response.function_call_arguments.done')
      .length,
    2,
  );
  assert.equal(
    stack.tenantBackend.requests.filter((request) => request.callId === callId).length,
    1,
  );
  assert.equal(record.function_calls.length, 1);
  const outputs = clientEvents(session, 'conversation.item.create').filter(
    (event) => event.itemType === 'function_call_output',
  );
  assert.equal(outputs.length, 1);

  // The output went in while the response was open; the follow-up waited until it was done.
  assert.equal(outputs[0]?.duringResponse, true, 'the tool answered while the response still ran');
  const creates = clientEvents(session, 'response.create');
  assert.deepEqual(
    creates.map((event) => event.duringResponse),
    [false, false],
  );
  assert.deepEqual(session.errors, []);
  assert.equal(record.transcript.at(-1).text, 'It has shipped.');
});

test('a conversation_already_has_active_response answer is logged and the call goes on to its end', async () => {
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: (index) =>
        index === 0
          ? { items: [lookup] }
          : { items: [{ say: 'Goodbye!' }, { call: 'end_call', arguments: {} }] },
      // The model starts speaking on its own as soon as the output lands, racing the bridge's request.
      onFunctionOutput: (_callId, _output, session) =>
        session.respond({ items: [{ say: 'It has shipped, by the way.' }] }),
    }),
  );
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
    ],
  });
  const { summary, record, modelSessions } = await finishedCall(stack, callId, version);

  assert.deepEqual(
    modelSessions[0]?.errors.map((error) => error.code),
    ['conversation_already_has_active_response'],
  );
  assert.ok(record.transcript.some((turn: any) => turn.text === 'It has shipped, by the way.'));
  assert.deepEqual(
    record.function_calls.map((call: any) => [call.name, call.status]),
    [
      ['check_order_status', 'succeeded'],
      ['end_call', 'succeeded'],
    ],
  );
  assert.equal(summary.endReason, 'agent_ended_call');
  assert.equal(summary.outcome, 'completed');
});
