/**
 * The invokeTool update's validator: a tool outside the version's allow-list,
 * or a protected tool before the caller's identity is verified, is refused
 * before any run. The model gets an error output, the refusal is recorded, the
 * tenant's webhook is never called and the call goes on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectClient } from '../../lib/temporal.js';
import type { Stack } from '../../scripts/stack.js';
import type { ResponsePlan } from '../../simulators/realtime/index.js';
import { callWorkflowId } from '../../workflows/ids.js';
import type { ToolDefinition } from '../../workflows/types.js';
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

const orderLookup = (orderId: string): ResponsePlan => ({
  items: [{ call: 'check_order_status', arguments: { order_id: orderId } }],
});
const say = (words: string): ResponsePlan => ({ items: [{ say: words }] });

function webhookTool(
  name: string,
  parameters: Record<string, unknown> = { type: 'object', properties: {} },
): ToolDefinition {
  return {
    type: 'webhook',
    name,
    description: name,
    parameters,
    url: `${stack.tenantBackend.url}/tools/${name}`,
    timeout_ms: 3_000,
  };
}

test('a tool the version does not allow is refused in the validator, recorded, and never run', async () => {
  const followUps = [say('Sorry, I cannot look that up on this line.')];
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: () => orderLookup('A-7'),
      onFollowUp: () => followUps.shift(),
    }),
  );
  const version = await addAgentVersion(stack, {
    greeting: 'Hello.',
    tools: [{ type: 'builtin', name: 'end_call' }],
  });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSilentForMs: 1_000 }, hangUp: true },
    ],
  });
  const { record, modelSessions } = await finishedCall(stack, callId, version);

  // The model was told why, in a function_call_output, and carried on.
  const [session] = modelSessions;
  const reason = 'the tool check_order_status is not allowed for this agent';
  assert.deepEqual(
    session?.functionOutputs.map((output) => JSON.parse(output.output)),
    [{ error: reason }],
  );
  assert.ok(
    record.transcript.some(
      (turn: any) => turn.text === 'Sorry, I cannot look that up on this line.',
    ),
  );

  // Recorded as refused; the tenant's webhook never saw it.
  assert.deepEqual(
    record.function_calls.map((call: any) => [call.name, call.status, call.arguments]),
    [['check_order_status', 'refused', { order_id: 'A-7' }]],
  );
  assert.match(record.function_calls[0].error, /not allowed/);
  assert.equal(
    stack.tenantBackend.requests.filter((request) => request.callId === callId).length,
    0,
  );

  // Refused before the update was accepted: no update (and no tool activity) in the history.
  const client = await connectClient(stack.config);
  try {
    const history = await client.workflow.getHandle(callWorkflowId(callId)).fetchHistory();
    const accepted = (history.events ?? []).flatMap(
      (event) =>
        event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? [],
    );
    assert.deepEqual(accepted, ['attachMediaStream']);
    const activities =
      history.events?.flatMap(
        (event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
      ) ?? [];
    assert.equal(activities.includes('runTool'), false);
  } finally {
    await client.connection.close();
  }
});

test('a protected tool runs only after the keypad entry verified the caller, and the PIN is never stored', async () => {
  stack.tenantBackend.setTool('verify_identity', {
    body: (request: { keypadEntry?: string }) => ({ verified: request.keypadEntry === '4321' }),
  });
  const followUps: ResponsePlan[] = [
    say('Please enter your PIN, then press pound.'),
    { items: [{ call: 'verify_identity', arguments: {} }] },
    orderLookup('A-1001'),
    say('Thank you. Your order has shipped.'),
  ];
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: () => orderLookup('A-1001'),
      onFollowUp: () => followUps.shift(),
    }),
  );
  const version = await addAgentVersion(stack, {
    greeting: 'Hello.',
    tools: [
      webhookTool('check_order_status', {
        type: 'object',
        properties: { order_id: { type: 'string' } },
        required: ['order_id'],
      }),
      webhookTool('verify_identity'),
      { type: 'builtin', name: 'end_call' },
    ],
    identity: { protected_tools: ['check_order_status'], verification_tool: 'verify_identity' },
  });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSilentForMs: 400 }, pressDigits: '4321#' },
      { when: { agentSilentForMs: 2_500 }, hangUp: true },
    ],
  });
  const { record, modelSessions } = await finishedCall(stack, callId, version);

  assert.deepEqual(
    record.function_calls.map((call: any) => [call.name, call.status]),
    [
      ['check_order_status', 'refused'],
      ['verify_identity', 'succeeded'],
      ['check_order_status', 'succeeded'],
    ],
  );
  assert.match(record.function_calls[0].error, /identity must be verified with verify_identity/);

  // The verification tool got the keypad entry; the model only heard that four digits were keyed.
  const requests = stack.tenantBackend.requests.filter((request) => request.callId === callId);
  assert.deepEqual(
    requests.map((request) => [request.tool, request.keypadEntry]),
    [
      ['verify_identity', '4321'],
      ['check_order_status', undefined],
    ],
  );
  const keypadItems = clientEvents(modelSessions[0], 'conversation.item.create').filter(
    (event) => event.itemType === 'message',
  );
  assert.deepEqual(
    keypadItems.map((event) => event.text),
    ['The caller entered 4 digits on the keypad.'],
  );

  const types = record.events.map((event: any) => event.type);
  assert.ok(types.includes('identity_verified'));
  const keypad = record.events.find((event: any) => event.type === 'keypad_entry');
  assert.deepEqual(keypad.detail, { digits: 4, endedBy: 'hash' });
  assert.equal(
    JSON.stringify(record).includes('4321'),
    false,
    'the PIN is in no part of the record',
  );
  assert.ok(
    record.transcript.some((turn: any) => turn.text === 'Thank you. Your order has shipped.'),
  );
});
