/**
 * C11: a model connection that fails at any stage ends its own call, cleanly:
 * the caller hears the version's fallback message (Twilio <Say> through a
 * TwiML update), the call is recorded as failed with the reason, and a second
 * call streaming at the same time never notices. A model socket that finishes
 * opening after the caller left is closed at once with nothing sent on it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import type { FaultMode } from '../../simulators/realtime/index.js';
import { readingParty, RECORDING_SENTENCES } from '../support/fixtures.js';
import { eventually, startTestStack } from '../support/stack.js';
import {
  addAgentVersion,
  callInbound,
  finishedCall,
  scriptedAgent,
  sessionsOf,
  type TestVersion,
} from './support.js';

const FALLBACK = 'Sorry, our assistant is unavailable. Please call back later.';

let stack: Stack;
const unhandled: unknown[] = [];
const recordUnhandled = (reason: unknown) => unhandled.push(reason);

before(async () => {
  process.on('unhandledRejection', recordUnhandled);
  stack = await startTestStack({ scenario: scriptedAgent({ callerLines: RECORDING_SENTENCES }) });
});
after(async () => {
  process.off('unhandledRejection', recordUnhandled);
  await stack.stop();
});

async function failingCall(version: TestVersion, fault: FaultMode, afterMs?: number) {
  stack.model.failNextConnections(fault, 1, afterMs);
  const { callId } = await callInbound(stack, version, { answer: 'answer' });
  return finishedCall(stack, callId, version);
}

test('every kind of model failure ends only its own call, with the fallback heard and the reason recorded', async () => {
  // The healthy call: a caller reads ten sentences straight through for about 36 s.
  const healthy = await addAgentVersion(stack, {
    greeting: 'Hello, healthy line.',
    turn_detection: { silence_duration_ms: 800, prefix_padding_ms: 300, threshold: 0.5 },
  });
  const { callId: healthyCallId } = await callInbound(
    stack,
    healthy,
    readingParty({ speech: 'continuous', hangupAfterAudioMs: 500 }),
  );
  await eventually(
    async () => (sessionsOf(stack, healthy).length === 1 ? true : undefined),
    10_000,
    'the healthy model session',
  );

  const failing = await addAgentVersion(stack, { greeting: 'Hello.', fallback_message: FALLBACK });
  const cases: Array<{ fault: FaultMode; afterMs?: number; detail: RegExp }> = [
    { fault: 'refuse-403', detail: /refused the connection \(403\)/ },
    { fault: 'reset', detail: /socket/ },
    { fault: 'hang', detail: /timed out/ },
    { fault: 'close-1011-after-ms', afterMs: 1_500, detail: /closed \(1011\)/ },
  ];
  for (const { fault, afterMs, detail } of cases) {
    const { summary, record, phoneCall } = await failingCall(failing, fault, afterMs);

    assert.equal(summary.outcome, 'failed', fault);
    assert.equal(summary.endReason, 'model_unavailable', fault);
    assert.equal(record.outcome, 'failed');
    const failure = record.events.find((event: any) => event.type === 'model_failed');
    assert.match(failure?.detail.detail ?? '', detail, fault);

    // The caller heard the fallback: Twilio's TwiML was replaced, the stream stopped, <Say> ran.
    const update = phoneCall.twimlDocuments.find((document) => document.source === 'update');
    assert.ok(update?.document.includes(`<Say>${FALLBACK}</Say><Hangup/>`), fault);
    assert.ok(
      phoneCall.events.some((event) => event.type === 'twiml-say'),
      fault,
    );
    assert.equal(phoneCall.stream?.endedBy, 'stop', fault);
    assert.equal(phoneCall.endedBy, 'twiml', fault);
  }

  // The healthy call never noticed: every sentence was heard, in order, and it ended normally.
  const healthyCall = await finishedCall(stack, healthyCallId, healthy, 120_000);
  const callerTurns = healthyCall.record.transcript
    .filter((turn: any) => turn.role === 'caller')
    .map((turn: any) => turn.text);
  assert.deepEqual(callerTurns, RECORDING_SENTENCES);
  assert.equal(healthyCall.summary.outcome, 'completed');
  assert.equal(healthyCall.summary.endReason, 'caller_hung_up');
  const [session] = healthyCall.modelSessions;
  assert.equal(
    session?.appendedAudioBytes,
    (healthyCall.phoneCall.stream?.framesSent ?? 0) * 160,
    'no caller frame lost',
  );
  assert.deepEqual(unhandled, [], 'no unhandled rejection in the process');
});

test('a model socket that opens after the caller left is closed at once with nothing sent', async () => {
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const sessionsBefore = stack.model.sessions.length;
  stack.model.failNextConnections('accept-after-ms', 1, 2_000);
  const { callId } = await callInbound(stack, version, {
    answer: 'answer',
    script: [{ when: { afterMs: 300 }, hangUp: true }],
  });
  const { summary, phoneCall } = await finishedCall(stack, callId, version);

  assert.equal(summary.endReason, 'caller_hung_up');
  assert.equal(phoneCall.stream?.agentMediaBytes, 0);
  const late = await eventually(
    async () => {
      const session = stack.model.sessions
        .slice(sessionsBefore)
        .find((candidate) => candidate.closeCode !== null);
      return session;
    },
    10_000,
    'the late model session to close',
  );
  assert.deepEqual(late.clientEvents, [], 'nothing was sent on the late socket');
  assert.equal(late.closeCode, 1000);
});
