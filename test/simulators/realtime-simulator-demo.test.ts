/**
 * The realtime model simulator's server VAD on the recorded fixture, and the
 * demo scenario end to end, driven by the official `openai` package.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  DEFAULT_GREETING,
  FIXTURE_CALLER_LINES,
  GOODBYE,
  demoScenario,
  type RealtimeSimulator,
} from '../../simulators/realtime/index.js';
import {
  connectWithSession,
  delay,
  readFixtureFrames,
  startTestSimulator,
} from './realtime-test-client.js';

describe('realtime model simulator VAD and demo scenario', () => {
  let simulator: RealtimeSimulator;

  before(async () => {
    simulator = await startTestSimulator();
  });

  after(async () => {
    await simulator.close();
  });

  it('finds the ten fixture sentences with 800 ms of silence, transcribed in order', async () => {
    simulator.setScenario(demoScenario({ toolCallAfter: 0 }));
    const client = await connectWithSession(simulator, 800);
    const frames = readFixtureFrames();
    await client.appendFrames(frames);
    await client.waitFor(
      'conversation.item.input_audio_transcription.completed',
      (event) => event.transcript === FIXTURE_CALLER_LINES[9],
    );

    const transcripts = client.ofType('conversation.item.input_audio_transcription.completed');
    assert.deepEqual(
      transcripts.map((event) => event.transcript),
      FIXTURE_CALLER_LINES,
    );
    const started = client.ofType('input_audio_buffer.speech_started');
    const stopped = client.ofType('input_audio_buffer.speech_stopped');
    assert.equal(started.length, 10);
    assert.equal(stopped.length, 10);
    // First sentence: speech from about 1.2 s, minus 300 ms of prefix padding; ends 800 ms after.
    assert.ok(Math.abs((started[0]?.audio_start_ms ?? 0) - 940) <= 40);
    assert.ok(Math.abs((stopped[0]?.audio_end_ms ?? 0) - 4_540) <= 40);
    assert.equal(stopped[0]?.item_id, started[0]?.item_id);

    await client.close();
    const record = simulator.sessions.at(-1);
    assert.equal(record?.utterances.length, 10);
    assert.equal(record?.appendedAudioBytes, frames.length * 160);
  });

  it('splits the last sentence at its comma with 500 ms of silence (eleven)', async () => {
    simulator.setScenario(demoScenario({ toolCallAfter: 0, callerLines: [] }));
    const client = await connectWithSession(simulator, 500);
    await client.appendFrames(readFixtureFrames());
    await delay(50);
    await client.close();
    assert.equal(simulator.sessions.at(-1)?.utterances.length, 11);
  });

  it('plays the demo: greeting, tool call, reply quoting it, goodbye, end_call', async () => {
    simulator.setScenario(demoScenario());
    const client = await connectWithSession(simulator);
    client.send({ type: 'response.create' });
    const greeting = await client.waitFor('response.output_audio_transcript.done');
    assert.equal(greeting.transcript, DEFAULT_GREETING);
    await client.waitFor('response.done');

    // The caller reads five sentences, then waits while the agent looks the order up.
    const frames = readFixtureFrames();
    const stopAfterFive = () => client.ofType('input_audio_buffer.speech_stopped').length >= 5;
    const sent = await client.appendFrames(frames, { stop: stopAfterFive });
    const call = await client.waitFor('response.function_call_arguments.done');
    assert.equal(call.name, 'check_order_status');
    assert.deepEqual(JSON.parse(call.arguments), { order_id: 'A-1001' });
    const callDone = await client.waitFor(
      'response.done',
      (event) => event.response.output?.some((item) => item.type === 'function_call') ?? false,
    );

    const output = JSON.stringify({ status: 'shipped' });
    client.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: call.call_id, output },
    });
    await client.waitFor(
      'conversation.item.added',
      (event) => event.item.type === 'function_call_output',
    );
    const mark = client.events.length;
    client.send({ type: 'response.create' });
    const reply = await client.waitFor('response.output_audio_transcript.done', () => true, mark);
    assert.match(reply.transcript, /"shipped"/);
    await client.waitFor(
      'response.done',
      (event) => event.response.id !== callDone.response.id,
      mark,
    );

    await client.appendFrames(frames.slice(sent));
    const goodbye = await client.waitFor(
      'response.function_call_arguments.done',
      (event) => event.name === 'end_call',
    );
    assert.deepEqual(JSON.parse(goodbye.arguments), { reason: 'completed' });
    const lastDone = await client.waitFor(
      'response.done',
      (event) =>
        event.response.output?.some(
          (item) => item.type === 'function_call' && item.name === 'end_call',
        ) ?? false,
    );
    const [spoken] = lastDone.response.output ?? [];
    assert.ok(spoken?.type === 'message' && spoken.role === 'assistant');
    assert.equal(spoken.content[0]?.transcript, GOODBYE);

    await client.close();
    const record = simulator.sessions.at(-1);
    assert.deepEqual(record?.functionOutputs, [{ callId: call.call_id, output }]);
    assert.equal(record?.utterances.length, 10);
    assert.deepEqual(
      record?.functionCalls.map((c) => c.name),
      ['check_order_status', 'end_call'],
    );
  });

  it('a session seeded with the conversation so far goes on after it, without a second tool call', async () => {
    simulator.setScenario(demoScenario());
    const client = await connectWithSession(simulator);
    for (const line of FIXTURE_CALLER_LINES.slice(0, 5)) {
      client.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: line }] },
      });
    }
    client.send({
      type: 'conversation.item.create',
      item: {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'The order status is "shipped".' }],
      },
    });
    client.send({
      type: 'response.create',
      response: { instructions: 'Say exactly these words: Sorry, I lost you for a moment.' },
    });
    const recovery = await client.waitFor('response.output_audio_transcript.done');
    assert.equal(recovery.transcript, 'Sorry, I lost you for a moment.');
    await client.waitFor('response.done');

    // Five more sentences: transcribed as the sixth to the tenth, then the goodbye.
    const stopAfterFive = () => client.ofType('input_audio_buffer.speech_stopped').length >= 5;
    await client.appendFrames(readFixtureFrames(), { stop: stopAfterFive });
    const goodbye = await client.waitFor(
      'response.function_call_arguments.done',
      (event) => event.name === 'end_call',
    );
    assert.ok(goodbye);
    await client.close();

    const record = simulator.sessions.at(-1);
    assert.equal(record?.earlierCallerTurns, 5);
    assert.deepEqual(
      record?.utterances.map((utterance) => utterance.transcript),
      FIXTURE_CALLER_LINES.slice(5),
    );
    assert.deepEqual(
      record?.functionCalls.map((call) => call.name),
      ['end_call'],
    );
  });

  it('greets with the instructions of the response.create when given', async () => {
    simulator.setScenario(demoScenario({ greeting: 'Not this one.' }));
    const client = await connectWithSession(simulator);
    client.send({ type: 'response.create', response: { instructions: 'Hi, Acme here.' } });
    const done = await client.waitFor('response.output_audio_transcript.done');
    assert.equal(done.transcript, 'Hi, Acme here.');
    await client.close();
  });
});
