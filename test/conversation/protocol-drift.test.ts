/**
 * C10: the session stays mu-law both ways; audio that arrives under an event
 * name the bridge does not know is noticed (a response that says it spoke,
 * with no audio forwarded) and ends the call with the fallback instead of
 * silence; the retired beta names are still relayed; and a close for a retired
 * API shape is a configuration error, not a retry loop.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import type { ScenarioFactory } from '../../simulators/realtime/index.js';
import { startTestStack } from '../support/stack.js';
import {
  addAgentVersion,
  callInbound,
  clientEvents,
  finishedCall,
  quotedWords,
  type FinishedCall,
} from './support.js';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

/** A model that speaks its greeting with audio deltas under `eventName`. */
function speaksAs(eventName: string): ScenarioFactory {
  return (session) =>
    session.onResponseRequested((request) => ({
      items: [{ say: quotedWords(request.instructions) ?? 'Hi.' }],
      audioDeltaEventName: eventName,
    }));
}

const hangUpAfterGreeting = {
  answer: 'answer' as const,
  script: [{ when: { agentSilentForMs: 300 }, hangUp: true }],
};

function assertFallback(call: FinishedCall, reason: string): void {
  assert.equal(call.summary.outcome, 'failed');
  assert.equal(call.summary.endReason, reason);
  const update = call.phoneCall.twimlDocuments.find((document) => document.source === 'update');
  assert.match(update?.document ?? '', /<Say>.+<\/Say><Hangup\/>/);
  assert.equal(call.phoneCall.endedBy, 'twiml');
}

test('the session is configured mu-law in both directions, with the voice set once', async () => {
  stack.model.setScenario(speaksAs('response.output_audio.delta'));
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId } = await callInbound(stack, version, hangUpAfterGreeting);
  const { modelSessions } = await finishedCall(stack, callId, version);

  const [update] = clientEvents(modelSessions[0], 'session.update');
  assert.deepEqual(update?.session?.audio?.input?.format, { type: 'audio/pcmu' });
  assert.deepEqual(update?.session?.audio?.output?.format, { type: 'audio/pcmu' });
  assert.equal(update?.session?.audio?.output?.voice, 'alloy');
  assert.deepEqual(modelSessions[0]?.errors, []);
});

test('audio under an unknown event name is noticed at response.done and ends the call with the fallback', async () => {
  stack.model.setScenario(speaksAs('response.output_audio.chunk'));
  const version = await addAgentVersion(stack, { greeting: 'Hello there, caller.' });
  const { callId } = await callInbound(stack, version, { answer: 'answer' });
  const call = await finishedCall(stack, callId, version);

  assert.equal(call.phoneCall.stream?.agentMediaBytes, 0, 'nothing was forwarded');
  assertFallback(call, 'model_protocol_mismatch');
  const failure = call.record.events.find((event: any) => event.type === 'model_failed');
  assert.match(failure.detail.detail, /reported audio but no audio event arrived/);
});

test('audio under the retired beta names is still relayed to the caller', async () => {
  stack.model.setScenario(speaksAs('response.audio.delta'));
  const version = await addAgentVersion(stack, { greeting: 'Hello from the old names.' });
  const { callId } = await callInbound(stack, version, hangUpAfterGreeting);
  const { summary, record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);

  const modelBytes = Object.values(modelSessions[0]?.agentAudioBytesByItem ?? {}).reduce(
    (sum, bytes) => sum + bytes,
    0,
  );
  assert.ok(modelBytes > 0);
  assert.equal(phoneCall.stream?.agentMediaBytes, modelBytes);
  assert.equal(record.transcript[0].text, 'Hello from the old names.');
  assert.equal(summary.outcome, 'completed');
});

test('a close for a retired API shape is a configuration error: one attempt, no retry, the fallback heard', async () => {
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const attemptsBefore = stack.model.connectionAttempts;
  stack.model.failNextConnections('close-4000-beta');
  const { callId } = await callInbound(stack, version, { answer: 'answer' });
  const call = await finishedCall(stack, callId, version);

  assert.equal(stack.model.connectionAttempts - attemptsBefore, 1);
  assertFallback(call, 'model_configuration_error');
  const failure = call.record.events.find((event: any) => event.type === 'model_failed');
  assert.match(failure.detail.detail, /4000.*beta_api_shape_disabled/);
});
