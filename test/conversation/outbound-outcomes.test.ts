/**
 * Outbound outcomes: busy, no answer, failed and canceled are each the call's
 * recorded outcome; an answering machine (Twilio's asynchronous detection)
 * gets the version's voicemail policy: a message after the beep, or a
 * hang-up. A person who answers is simply talked to.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { synthesizeTone } from '../../simulators/audio.js';
import { postJson, startTestStack } from '../support/stack.js';
import { addAgentVersion, callOutbound, finishedCall, scriptedAgent } from './support.js';

const VOICEMAIL = 'Hi, this is Acme about your order. Please call us back.';
/** A machine's greeting: three seconds of speech, then the beep. */
const MACHINE_GREETING = synthesizeTone(3_000, 300);

let stack: Stack;
before(async () => {
  stack = await startTestStack({ scenario: scriptedAgent() });
});
after(() => stack.stop());

test('busy, no answer and failed are recorded as the outcome, with no stream opened', async () => {
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  for (const answer of ['busy', 'no-answer', 'failed'] as const) {
    const { callId } = await callOutbound(stack, version, { answer });
    const { summary, record, phoneCall } = await finishedCall(stack, callId, version);

    assert.equal(summary.outcome, answer);
    assert.deepEqual([record.status, record.outcome, record.end_reason], [answer, answer, answer]);
    assert.equal(phoneCall.status, answer);
    assert.equal(phoneCall.streams.length, 0);
    assert.equal(summary.evaluation, 'skipped');
  }
});

test('a tenant hanging up a call that still rings cancels it', async () => {
  const version = await addAgentVersion(stack, { greeting: 'Hello.' });
  const { callId, to } = await callOutbound(stack, version, { answer: 'answer', ringMs: 20_000 });
  await stack.phone.waitForCall((call) => call.to === to && call.status === 'ringing', 15_000);
  const hangUp = await postJson(stack, `/api/v1/calls/${callId}/hangup`, {
    reason: 'wrong_number',
  });
  assert.equal(hangUp.status, 202);
  const { summary, record, phoneCall } = await finishedCall(stack, callId, version);

  assert.equal(phoneCall.endedBy, 'api');
  assert.equal(phoneCall.status, 'canceled');
  assert.equal(phoneCall.answeredAt, null);
  assert.deepEqual([summary.outcome, summary.endReason], ['canceled', 'wrong_number']);
  assert.equal(record.outcome, 'canceled');
});

test('an answering machine gets the voicemail message after its beep, then the call ends', async () => {
  const version = await addAgentVersion(stack, {
    greeting: 'Hello.',
    voicemail: { policy: 'leave_message', message: VOICEMAIL },
  });
  const { callId } = await callOutbound(stack, version, {
    answer: 'machine',
    audio: MACHINE_GREETING,
  });
  const { summary, record, phoneCall } = await finishedCall(stack, callId, version);

  // Twilio reported the machine at the end of its greeting, to our detection callback.
  assert.deepEqual(
    phoneCall.machineDetections.map((detection) => [detection.answeredBy, detection.httpStatus]),
    [['machine_end_beep', 204]],
  );
  const detectedAtMs = phoneCall.machineDetections[0]?.atMs ?? 0;
  assert.ok(detectedAtMs >= 3_000);

  // The message was said by Twilio after the beep, replacing the stream, and the call hung up.
  const update = phoneCall.twimlDocuments.find((document) => document.source === 'update');
  assert.ok(update?.document.includes(`<Say>${VOICEMAIL}</Say><Hangup/>`));
  assert.ok((update?.atMs ?? 0) >= detectedAtMs);
  assert.equal(phoneCall.endedBy, 'twiml');

  assert.deepEqual([summary.outcome, summary.endReason], ['voicemail', 'voicemail_message_left']);
  assert.equal(record.outcome, 'voicemail');
  const detection = record.events.find((event: any) => event.type === 'machine_detection');
  assert.deepEqual(detection.detail, { answeredBy: 'machine_end_beep' });
});

test('with a hang-up policy, a machine is hung up on as soon as it is detected', async () => {
  const version = await addAgentVersion(stack, {
    greeting: 'Hello.',
    voicemail: { policy: 'hang_up' },
  });
  const { callId } = await callOutbound(stack, version, {
    answer: 'machine',
    audio: synthesizeTone(20_000, 300),
  });
  const { summary, phoneCall } = await finishedCall(stack, callId, version);

  assert.deepEqual(
    phoneCall.machineDetections.map((detection) => detection.answeredBy),
    ['machine_start'],
  );
  assert.equal(phoneCall.endedBy, 'api');
  assert.ok((phoneCall.durationSec ?? 99) <= 8, `lasted ${phoneCall.durationSec} s`);
  assert.deepEqual([summary.outcome, summary.endReason], ['voicemail', 'voicemail_hang_up']);
});

test('a person answering a call with a voicemail policy is talked to as usual', async () => {
  const version = await addAgentVersion(stack, {
    greeting: 'Hello, this is Acme.',
    voicemail: { policy: 'leave_message', message: VOICEMAIL },
  });
  const { callId } = await callOutbound(stack, version, {
    answer: 'answer',
    humanDetectionMs: 300,
    script: [{ when: { agentSilentForMs: 1_000 }, hangUp: true }],
  });
  const { summary, record, phoneCall } = await finishedCall(stack, callId, version);

  assert.deepEqual(
    phoneCall.machineDetections.map((detection) => detection.answeredBy),
    ['human'],
  );
  assert.equal(
    phoneCall.twimlDocuments.some((document) => document.source === 'update'),
    false,
  );
  assert.equal(record.transcript[0].text, 'Hello, this is Acme.');
  assert.deepEqual([summary.outcome, summary.endReason], ['completed', 'caller_hung_up']);
  const detection = record.events.find((event: any) => event.type === 'machine_detection');
  assert.deepEqual(detection?.detail, { answeredBy: 'human' });
});
