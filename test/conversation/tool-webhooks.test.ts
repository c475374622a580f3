/**
 * Tenant webhook tools: each request is signed (HMAC-SHA256 over a timestamp
 * and the raw body) with one idempotency key for all its attempts; arguments
 * outside the declared schema never leave the product; timeouts, 5xx and 429
 * are retried up to the tool's attempts; the answer is capped in size and
 * checked against the tool's declared output schema. A failed tool is an
 * error output to the model, and the call goes on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import type { ResponsePlan } from '../../simulators/realtime/index.js';
import type { ToolDefinition } from '../../workflows/types.js';
import { startTestStack } from '../support/stack.js';
import {
  addAgentVersion,
  callInbound,
  finishedCall,
  scriptedAgent,
  type FinishedCall,
} from './support.js';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

const balanceTool = (
  overrides: Partial<Extract<ToolDefinition, { type: 'webhook' }>> = {},
): ToolDefinition => ({
  type: 'webhook',
  name: 'get_balance',
  description: 'The balance of an account.',
  parameters: {
    type: 'object',
    properties: { account: { type: 'string', pattern: '^AC-[0-9]+$' } },
    required: ['account'],
    additionalProperties: false,
  },
  output_schema: {
    type: 'object',
    properties: { balance: { type: 'number' }, currency: { type: 'string' } },
    required: ['balance', 'currency'],
  },
  url: `${stack.tenantBackend.url}/tools/get_balance`,
  timeout_ms: 2_000,
  ...overrides,
});

/** One call in which the agent calls get_balance with `args` after the caller speaks. */
async function callWithTool(
  tool: ToolDefinition,
  args: unknown,
): Promise<FinishedCall & { callId: string }> {
  const followUps: ResponsePlan[] = [{ items: [{ say: 'Thanks for waiting.' }] }];
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: () => ({ items: [{ call: 'get_balance', arguments: args }] }),
      onFollowUp: () => followUps.shift(),
    }),
  );
  const version = await addAgentVersion(stack, { greeting: 'Hello.', tools: [tool] });
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [
      { when: { agentSilentForMs: 400 }, speakMs: 700 },
      { when: { agentSilentForMs: 800 }, hangUp: true },
    ],
  });
  return { callId, ...(await finishedCall(stack, callId, version)) };
}

function requestsOf(callId: string) {
  return stack.tenantBackend.requests.filter((request) => request.callId === callId);
}

function modelOutput(call: FinishedCall): unknown {
  const outputs = call.modelSessions[0]?.functionOutputs ?? [];
  assert.equal(outputs.length, 1);
  return JSON.parse(outputs[0]?.output ?? 'null');
}

test('signs the request with a fresh timestamp and passes on an answer that matches its schema', async () => {
  stack.tenantBackend.setTool('get_balance', { body: { balance: 42.5, currency: 'EUR' } });
  const call = await callWithTool(balanceTool(), { account: 'AC-1' });

  const [request] = requestsOf(call.callId);
  assert.ok(request);
  assert.equal(request.signatureValid, true);
  assert.ok(
    request.signedAtSec !== null && Math.abs(request.signedAtSec - Date.now() / 1_000) < 60,
  );
  assert.equal(
    request.idempotencyKey,
    `${call.callId}:${call.record.function_calls[0].tool_call_id}`,
  );
  assert.deepEqual(modelOutput(call), { balance: 42.5, currency: 'EUR' });
  assert.deepEqual(
    call.record.function_calls.map((fc: any) => [fc.status, fc.output]),
    [['succeeded', { balance: 42.5, currency: 'EUR' }]],
  );
  assert.ok(
    call.record.transcript.some((turn: any) => turn.text === 'Thanks for waiting.'),
    'the call went on',
  );
});

test('an answer that breaks the declared output schema is a failed run, with the reason for the model', async () => {
  stack.tenantBackend.setTool('get_balance', { body: { balance: 'lots' } });
  const call = await callWithTool(balanceTool(), { account: 'AC-2' });

  const output = modelOutput(call) as { error: string; details: string[] };
  assert.equal(output.error, 'tool answer does not match its declared output');
  assert.deepEqual(output.details.map((detail) => detail.split(':')[0]).sort(), [
    'balance',
    'currency',
  ]);
  assert.equal(call.record.function_calls[0].status, 'failed');
  assert.equal(requestsOf(call.callId).length, 1, 'a wrong answer is not retried');
});

test('arguments that break the declared schema never reach the tenant', async () => {
  const call = await callWithTool(balanceTool(), { account: 'savings', extra: true });

  const output = modelOutput(call) as { error: string; details: string[] };
  assert.equal(output.error, 'invalid_arguments');
  assert.ok(
    output.details.some((detail) => detail.startsWith('account:')),
    output.details.join('; '),
  );
  assert.equal(requestsOf(call.callId).length, 0);
  assert.deepEqual(call.record.function_calls[0].arguments, { account: 'savings', extra: true });
});

test('a webhook slower than its timeout is retried up to its attempts, then fails without ending the call', async () => {
  stack.tenantBackend.setTool('get_balance', {
    delayMs: 1_500,
    body: { balance: 1, currency: 'EUR' },
  });
  const call = await callWithTool(balanceTool({ timeout_ms: 300, max_attempts: 2 }), {
    account: 'AC-3',
  });

  const requests = requestsOf(call.callId);
  assert.equal(requests.length, 2);
  assert.equal(
    new Set(requests.map((request) => request.idempotencyKey)).size,
    1,
    'one idempotency key for every attempt',
  );
  assert.deepEqual(modelOutput(call), { error: 'the tool get_balance failed' });
  assert.equal(call.record.function_calls[0].status, 'failed');
  assert.ok(call.record.transcript.some((turn: any) => turn.text === 'Thanks for waiting.'));
});

test('503 answers are retried and a later success is used', async () => {
  stack.tenantBackend.setTool('get_balance', {
    failFirst: 2,
    body: { balance: 7, currency: 'USD' },
  });
  const call = await callWithTool(balanceTool({ max_attempts: 3 }), { account: 'AC-4' });

  assert.equal(requestsOf(call.callId).length, 3);
  assert.deepEqual(modelOutput(call), { balance: 7, currency: 'USD' });
  assert.equal(call.record.function_calls[0].status, 'succeeded');
});

test('an answer over 64 KiB is refused unread past the cap, and not retried', async () => {
  stack.tenantBackend.setTool('get_balance', {
    body: { balance: 1, currency: 'EUR', note: 'x'.repeat(70 * 1_024) },
  });
  const call = await callWithTool(balanceTool(), { account: 'AC-5' });

  assert.deepEqual(modelOutput(call), { error: 'tool response over 65536 bytes' });
  assert.equal(requestsOf(call.callId).length, 1);
  assert.equal(call.record.function_calls[0].status, 'failed');
});
