/**
 * The realtime model simulator's protocol, driven over real sockets by the
 * official `openai` package's OpenAIRealtimeWS: session updates, event
 * validation, responses, truncation and barge-in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { synthesizeTone, splitFrames } from '../../simulators/audio.js';
import { demoScenario, type RealtimeSimulator } from '../../simulators/realtime/index.js';
import {
  PCMU,
  RealtimeTestClient,
  answerEveryRequest,
  connectWithSession,
  delay,
  frameIndexAtMs,
  pcmuSession,
  readFixtureFrames,
  startTestSimulator,
  waitUntil,
} from './realtime-test-client.js';

describe('realtime model simulator protocol', () => {
  let simulator: RealtimeSimulator;

  before(async () => {
    simulator = await startTestSimulator();
  });

  after(async () => {
    await simulator.close();
  });

  it('answers session.update with the merged session and records it', async () => {
    simulator.setScenario(demoScenario());
    const client = await RealtimeTestClient.connect(simulator, { model: 'gpt-realtime-mini' });
    const created = await client.waitFor('session.created');
    assert.equal(created.session.type, 'realtime');

    client.send({ type: 'session.update', session: pcmuSession() });
    const updated = await client.waitFor('session.updated');
    assert.equal(updated.session.type, 'realtime');
    const audio = updated.session.type === 'realtime' ? updated.session.audio : undefined;
    assert.deepEqual(audio?.input?.format, PCMU);
    assert.equal(audio?.output?.voice, 'marin');
    assert.equal(audio?.input?.turn_detection?.type, 'server_vad');
    // Fields the update left out keep the real API's defaults.
    assert.equal(audio?.input?.turn_detection?.create_response, true);

    await client.close();
    const record = simulator.sessions.at(-1);
    await waitUntil(() => record?.closeCode !== null);
    assert.equal(record?.model, 'gpt-realtime-mini');
    assert.equal(record?.sessionConfigs.length, 1);
    assert.equal(record?.clientEvents[0]?.type, 'session.update');
    assert.equal(record?.closeCode, 1000);
  });

  it('refuses any audio format but audio/pcmu and a voice change after agent audio', async () => {
    simulator.setScenario(demoScenario());
    const client = await connectWithSession(simulator);

    const pcm = { type: 'audio/pcm' as const, rate: 24_000 as const };
    client.send({
      type: 'session.update',
      session: { type: 'realtime', audio: { output: { format: pcm } } },
    });
    const formatError = await client.waitFor('error');
    assert.equal(formatError.error.code, 'unsupported_audio_format');

    client.send({ type: 'response.create' });
    await client.waitFor('response.done');
    const voiceUpdate = { type: 'realtime' as const, audio: { output: { voice: 'cedar' } } };
    client.send({ type: 'session.update', session: voiceUpdate });
    await client.waitFor('error', (event) => event.error.code === 'cannot_update_voice');

    await client.close();
    const record = simulator.sessions.at(-1);
    assert.deepEqual(
      record?.errors.map((error) => error.code),
      ['unsupported_audio_format', 'cannot_update_voice'],
    );
    assert.equal(record?.sessionConfigs.length, 1, 'refused updates change nothing');
  });

  it('answers malformed and unknown events with an error and stays open', async () => {
    const client = await RealtimeTestClient.connect(simulator);
    client.socket.socket.send('not json');
    client.socket.socket.send(JSON.stringify({ type: 'session.bogus' }));
    client.socket.socket.send(JSON.stringify({ type: 'session.update', session: { voice: 'x' } }));
    await delay(50);

    const errors = client.ofType('error');
    assert.equal(errors.length, 3);
    for (const error of errors) assert.equal(error.error.type, 'invalid_request_error');
    client.send({ type: 'session.update', session: pcmuSession() });
    await client.waitFor('session.updated');
    await client.close();
  });

  it('refuses a truncation beyond the audio sent for the item', async () => {
    simulator.setScenario(
      answerEveryRequest({ items: [{ say: 'One second.', durationMs: 1_000 }] }),
    );
    const client = await connectWithSession(simulator);
    client.send({ type: 'response.create' });
    const done = await client.waitFor('response.output_item.done');
    const itemId = done.item.id ?? '';

    client.send({
      type: 'conversation.item.truncate',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: 1_500,
    });
    const refused = await client.waitFor('error');
    assert.equal(refused.error.code, 'invalid_value');
    client.send({
      type: 'conversation.item.truncate',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: 600,
    });
    const truncated = await client.waitFor('conversation.item.truncated');
    assert.equal(truncated.audio_end_ms, 600);

    await client.close();
    const record = simulator.sessions.at(-1);
    assert.equal(record?.agentAudioBytesByItem[itemId], 8_000);
    assert.deepEqual(record?.truncations, [{ itemId, audioEndMs: 600 }]);
  });

  it('refuses a second response.create while one is active, which then finishes', async () => {
    simulator.setScenario(
      answerEveryRequest({ items: [{ say: 'A long answer.', durationMs: 2_000 }] }),
    );
    const client = await connectWithSession(simulator);
    client.send({ type: 'response.create' });
    await client.waitFor('response.output_audio.delta');
    client.send({ type: 'response.create' });

    const refused = await client.waitFor('error');
    assert.equal(refused.error.code, 'conversation_already_has_active_response');
    const done = await client.waitFor('response.done');
    assert.equal(done.response.status, 'completed');
    assert.equal(client.ofType('response.created').length, 1);

    await client.close();
    assert.equal(simulator.sessions.at(-1)?.responseCreateCount, 2);
  });

  it('cancels a speaking response when the caller talks, after one late delta', async () => {
    const plan = { items: [{ say: 'Let me tell you all about it.', durationMs: 4_000 }] };
    simulator.setScenario(answerEveryRequest({ ...plan, extraDeltaAfterSpeechStart: true }));
    const client = await connectWithSession(simulator);
    client.send({ type: 'response.create' });
    await client.waitFor('response.output_audio.delta');
    await client.appendFrames(
      readFixtureFrames().slice(frameIndexAtMs(1_200), frameIndexAtMs(2_000)),
    );

    const done = await client.waitFor('response.done');
    assert.equal(done.response.status, 'cancelled');
    assert.equal(done.response.status_details?.reason, 'turn_detected');
    const types = client.types();
    const between = types.slice(
      types.indexOf('input_audio_buffer.speech_started'),
      types.indexOf('response.done'),
    );
    assert.equal(between.filter((type) => type === 'response.output_audio.delta').length, 1);
    const item = client.ofType('response.output_item.done')[0]?.item;
    assert.ok(item?.type === 'message');
    assert.equal(item.status, 'incomplete');

    await client.close();
    const sentBytes = Object.values(simulator.sessions.at(-1)?.agentAudioBytesByItem ?? {});
    assert.ok((sentBytes[0] ?? 0) < 32_000, 'the rest of the answer was never sent');
  });

  it('cancels the active response on response.cancel', async () => {
    simulator.setScenario(answerEveryRequest({ items: [{ say: 'Long.', durationMs: 3_000 }] }));
    const client = await connectWithSession(simulator);
    client.send({ type: 'response.cancel' });
    await client.waitFor('error', (event) => event.error.code === 'response_cancel_not_active');
    client.send({ type: 'response.create' });
    await client.waitFor('response.output_audio.delta');
    client.send({ type: 'response.cancel' });
    const done = await client.waitFor('response.done');
    assert.equal(done.response.status_details?.reason, 'client_cancelled');
    await client.close();
  });

  it('refuses a function_call_output for an unknown call_id', async () => {
    const client = await connectWithSession(simulator);
    client.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: 'call_unknown', output: '{}' },
    });
    await client.waitFor('error', (event) => event.error.param === 'item.call_id');
    await client.close();
    assert.deepEqual(simulator.sessions.at(-1)?.functionOutputs, []);
  });

  it('ignores quiet audio: a tone below the speech threshold starts no utterance', async () => {
    const client = await connectWithSession(simulator);
    await client.appendFrames(splitFrames(synthesizeTone(1_000, 440, 200)));
    await delay(30);
    await client.close();
    assert.equal(simulator.sessions.at(-1)?.utterances.length, 0);
  });
});
