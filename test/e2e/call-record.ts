/** Assertions on a finished call's record that every end-to-end call test shares. */
import assert from 'node:assert/strict';
import { GOODBYE } from '../../simulators/realtime/index.js';
import type { TenantBackend } from '../../simulators/tenant-backend.js';
import { RECORDING_SENTENCES } from '../support/fixtures.js';
import { eventually, getJson, type ApiTarget } from '../support/stack.js';

export async function waitForEvaluatedRecord(
  stack: ApiTarget,
  callId: string,
  timeoutMs = 150_000,
): Promise<any> {
  return eventually(
    async () => {
      const { status, body } = await getJson(stack, `/api/v1/call-logs/${callId}`);
      return status === 200 && body.evaluation ? body : undefined;
    },
    timeoutMs,
    `the evaluation of ${callId}`,
  );
}

export interface ConversationExpectations {
  /** What the caller read, in order; the whole recording by default. */
  sentences?: string[];
  /** The least duration the reading takes; 30 s for the whole recording (about 36 s). */
  minDurationSec?: number;
}

export function assertCompleteConversation(
  stack: { tenantBackend: TenantBackend },
  record: any,
  expected: ConversationExpectations = {},
): void {
  const sentences = expected.sentences ?? RECORDING_SENTENCES;
  const minDurationSec = expected.minDurationSec ?? 30;
  assert.equal(record.status, 'completed');
  assert.equal(record.end_reason, 'agent_ended_call');
  assert.ok(
    record.duration_sec >= minDurationSec,
    `the reading lasts at least ${minDurationSec} s, got ${record.duration_sec}`,
  );

  // The caller's turns are the sentences read, in order (the last may split at its comma).
  const callerTurns = record.transcript
    .filter((turn: any) => turn.role === 'caller')
    .map((turn: any) => turn.text);
  const last = sentences.length - 1;
  assert.ok(
    callerTurns.length === sentences.length || callerTurns.length === sentences.length + 1,
    `caller turns: ${callerTurns.length}`,
  );
  assert.deepEqual(callerTurns.slice(0, last), sentences.slice(0, last));
  assert.equal(callerTurns.slice(last).join(' '), sentences[last]);

  const agentTurns = record.transcript.filter((turn: any) => turn.role === 'agent');
  assert.equal(agentTurns[0].text, 'Hello! This is the StateSet demo agent. Please go ahead.');
  assert.equal(record.transcript[0].role, 'agent', 'the greeting comes first');
  assert.ok(
    agentTurns.some((turn: any) => turn.text.includes('shipped')),
    'the agent reported the order status',
  );
  assert.equal(agentTurns.at(-1).text, GOODBYE);
  assert.equal(record.transcript.at(-1).role, 'agent', 'the goodbye comes last');
  const sequences = record.transcript.map((turn: any) => turn.sequence);
  assert.deepEqual(
    sequences,
    sequences.map((_: unknown, index: number) => index + 1),
  );

  // Exactly one run of the scripted tool, signed, with its side effect once; then end_call.
  const lookups = record.function_calls.filter((call: any) => call.name === 'check_order_status');
  assert.equal(lookups.length, 1);
  assert.equal(lookups[0].status, 'succeeded');
  assert.deepEqual(lookups[0].arguments, { order_id: 'A-1001' });
  assert.equal(lookups[0].output.status, 'shipped');
  assert.deepEqual(
    record.function_calls.map((call: any) => call.name),
    ['check_order_status', 'end_call'],
  );
  assert.equal(stack.tenantBackend.sideEffectsOf(record.id), 1);
  assert.ok(
    stack.tenantBackend.requests
      .filter((request) => request.callId === record.id)
      .every((request) => request.signatureValid),
  );

  // The evaluation: deterministic checks and the judge's scores.
  const evaluation = record.evaluation;
  assert.equal(evaluation.passed, true);
  assert.ok(evaluation.overall_score > 0.5 && evaluation.overall_score <= 1);
  const checks = Object.fromEntries(
    evaluation.checks.map((check: any) => [check.id, check.passed]),
  );
  assert.deepEqual(checks, {
    call_completed: true,
    conversation_happened: true,
    'required_tool:check_order_status': true,
  });
  assert.deepEqual(
    evaluation.judgment.criteria.map((criterion: any) => criterion.id),
    ['helpfulness', 'politeness'],
  );
  for (const criterion of evaluation.judgment.criteria)
    assert.equal(typeof criterion.score, 'number');

  const eventTypes = record.events.map((event: any) => event.type);
  for (const type of ['routed', 'answered', 'tool', 'ended', 'evaluated'])
    assert.ok(eventTypes.includes(type), type);
}

/**
 * The call's event timeline is exactly these entries (or, with `only`, its entries of these
 * types are), in this order, with times that never go back; the record's answered_at and
 * ended_at are the answered and ended entries' times.
 */
export function assertTimeline(record: any, expected: string[], only = false): void {
  const events: Array<{ type: string; occurred_at: string; detail: any }> = record.events;
  const types = events.map((event) => event.type);
  assert.deepEqual(only ? types.filter((type) => expected.includes(type)) : types, expected);
  for (let index = 1; index < events.length; index += 1) {
    const [before, current] = [events[index - 1], events[index]];
    assert.ok(
      before && current && Date.parse(current.occurred_at) >= Date.parse(before.occurred_at),
      `${current?.type} at ${current?.occurred_at} follows ${before?.type} at ${before?.occurred_at}`,
    );
  }
  const at = (type: string) => events.find((event) => event.type === type)?.occurred_at;
  if (expected.includes('answered')) assert.equal(record.answered_at, at('answered'));
  if (expected.includes('ended')) assert.equal(record.ended_at, at('ended'));
}
