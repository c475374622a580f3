/**
 * C06: call identity travels in <Parameter>, nothing reaches Twilio before
 * `start`, and the version's greeting is the agent's first audio, asked for
 * only once the stream has started.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import { startTestStack } from '../support/stack.js';
import {
  addAgentVersion,
  callInbound,
  callOutbound,
  clientEvents,
  finishedCall,
  scriptedAgent,
} from './support.js';

let stack: Stack;
before(async () => {
  stack = await startTestStack({ scenario: scriptedAgent() });
});
after(() => stack.stop());

const hangUpAfterGreeting = {
  answer: 'answer' as const,
  script: [{ when: { agentSilentForMs: 300 }, hangUp: true }],
};

test('plays the version greeting first, after start, though Twilio sent media before start', async () => {
  const version = await addAgentVersion(stack, { greeting: 'Welcome to the greeting test line.' });
  const { callId } = await callInbound(stack, version, {
    ...hangUpAfterGreeting,
    mediaBeforeStart: true,
  });
  const { summary, record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);

  // The stream URL carries no query string; identity and token travel as <Parameter>.
  const twiml = phoneCall.twimlDocuments[0]?.document ?? '';
  assert.match(twiml, /<Stream url="ws:\/\/localhost:\d+\/media-stream">/);
  const stream = phoneCall.stream;
  assert.ok(stream);
  assert.equal(stream.url.includes('?'), false);
  assert.deepEqual(Object.keys(stream.customParameters).sort(), ['call_id', 'stream_token']);
  assert.equal(stream.customParameters.call_id, callId);

  // The early frame was dropped without harm: no invalid message, no abnormal close.
  assert.equal(stream.framesBeforeStart, 1);
  assert.deepEqual(stream.invalidMessages, []);
  assert.equal(stream.upgradeStatus, 101);
  assert.equal(stream.endedBy, 'stop');

  // The model was configured, then asked for the greeting, once.
  const [session] = modelSessions;
  assert.equal(modelSessions.length, 1);
  assert.deepEqual(
    session?.clientEvents
      .filter((event) => event.type !== 'input_audio_buffer.append')
      .map((event) => event.type)
      .slice(0, 2),
    ['session.update', 'response.create'],
  );
  const [greetingRequest] = clientEvents(session, 'response.create');
  assert.match(
    greetingRequest?.instructions ?? '',
    /exactly these words: Welcome to the greeting test line\.$/,
  );

  // Twilio heard the greeting first, promptly after start, and all of it.
  assert.ok(stream.firstAgentMediaAtStreamMs !== null && stream.agentMediaBytes > 0);
  assert.equal(stream.agentAudioPlayedBytes, stream.agentMediaBytes);
  assert.equal(record.transcript[0].role, 'agent');
  assert.equal(record.transcript[0].text, 'Welcome to the greeting test line.');
  assert.equal(record.transcript[0].interrupted, false);
  assert.equal(summary.outcome, 'completed');
  assert.equal(summary.endReason, 'caller_hung_up');
  process.stdout.write(`# start to first greeting audio: ${stream.firstAgentMediaAtStreamMs} ms\n`);
});

test('a greeting given to make-call replaces the version greeting for that call', async () => {
  const version = await addAgentVersion(stack, { greeting: 'The version greeting.' });
  const { callId } = await callOutbound(stack, version, hangUpAfterGreeting, {
    greeting: 'Hi, this is a reminder call.',
  });
  const { record, modelSessions } = await finishedCall(stack, callId, version);

  const [greetingRequest] = clientEvents(modelSessions[0], 'response.create');
  assert.match(
    greetingRequest?.instructions ?? '',
    /exactly these words: Hi, this is a reminder call\.$/,
  );
  assert.equal(record.transcript[0].text, 'Hi, this is a reminder call.');
  assert.equal(record.direction, 'outbound');
});

test('an agent without a greeting says nothing until the caller speaks', async () => {
  const version = await addAgentVersion(stack, { greeting: undefined });
  const party = { answer: 'answer' as const, script: [{ when: { afterMs: 1_500 }, hangUp: true }] };
  const { callId } = await callInbound(stack, version, party);
  const { record, phoneCall, modelSessions } = await finishedCall(stack, callId, version);

  assert.equal(clientEvents(modelSessions[0], 'response.create').length, 0);
  assert.equal(phoneCall.stream?.agentMediaBytes, 0);
  assert.deepEqual(record.transcript, []);
});
