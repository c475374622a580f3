/**
 * A scripted call's voice session, watched through the API as it happens: it
 * greets, listens, speaks, runs a tool, speaks again, says goodbye, and ends
 * with the end reason. Each phase lasts a second or more, so a 100 ms poll
 * sees every one of them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import type { ResponsePlan } from '../../simulators/realtime/index.js';
import { getJson, startTestStack } from '../support/stack.js';
import { addAgentVersion, callInbound, finishedCall, scriptedAgent } from './support.js';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

const POLL_MS = 100;
/** Every state the call may show, in the order it shows them. */
const EXPECTED = [
  'connecting',
  'greeting',
  'listening',
  'agent_speaking',
  'listening',
  'in_tool',
  // The tool answered and the follow-up's audio has not begun: on a busy machine a poll sees it.
  'listening',
  'agent_speaking',
  // end_call is a function call too: it runs through the workflow while the goodbye plays.
  'in_tool',
  'ending',
  'ended',
];

/** True when `seen` is `expected` with some entries left out, in the same order. */
function isOrderedSubsequence(seen: string[], expected: string[]): boolean {
  let position = 0;
  for (const state of seen) {
    position = expected.indexOf(state, position);
    if (position < 0) return false;
    position += 1;
  }
  return true;
}

test('a scripted call passes through greeting, listening, agent_speaking and in_tool in order, then ends with its reason', async (t) => {
  const followUps: ResponsePlan[] = [
    {
      items: [
        { say: 'It has shipped. Goodbye!', durationMs: 1_500 },
        { call: 'end_call', arguments: {} },
      ],
    },
  ];
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: (index) =>
        index === 0
          ? { items: [{ say: 'Certainly, let me help with your order.', durationMs: 2_500 }] }
          : { items: [{ call: 'check_order_status', arguments: { order_id: 'A-1001' } }] },
      onFollowUp: () => followUps.shift(),
    }),
  );
  stack.tenantBackend.setTool('check_order_status', { delayMs: 2_000 });
  const version = await addAgentVersion(stack, {
    greeting: 'Hello, you are through to the order line. How can I help?',
  });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 1_500 }, speakMs: 1_000 },
      { when: { agentSilentForMs: 1_500 }, speakMs: 700 },
    ],
  });

  // Watch the session through the API until it has ended.
  const seen: string[] = [];
  let session: any;
  const watching = (async () => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const { status, body } = await getJson(stack, `/api/v1/voice-sessions?call_id=${callId}`);
      assert.equal(status, 200, JSON.stringify(body));
      session = body.data[0];
      if (session && seen.at(-1) !== session.state) seen.push(session.state);
      if (session?.state === 'ended') return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  const { summary } = await finishedCall(stack, callId, version);
  await watching;
  t.diagnostic(`states seen: ${seen.join(' > ')}`);

  assert.equal(summary.endReason, 'agent_ended_call');
  assert.ok(isOrderedSubsequence(seen, EXPECTED), `seen ${seen.join(' > ')}`);
  for (const state of ['greeting', 'listening', 'agent_speaking', 'in_tool', 'ended'])
    assert.ok(seen.includes(state), `${state} was never seen: ${seen.join(' > ')}`);

  assert.equal(session.status, 'ended');
  assert.equal(session.end_reason, 'agent_ended_call');
  assert.equal(session.call_id, callId);
  assert.equal(session.bridge_instance_id, stack.bridge.instanceId);
  assert.match(session.stream_sid, /^MZ/);
  assert.ok(Date.parse(session.ended_at) > Date.parse(session.started_at));
  assert.equal(session.state_changed_at, session.ended_at);

  const { body: one } = await getJson(stack, `/api/v1/voice-sessions/${session.id}`);
  assert.deepEqual(one, session);
});
