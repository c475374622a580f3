/**
 * The voice session recorder against a store the test answers by hand:
 * state changes are coalesced (latest wins), one write per session is in
 * flight at most, a failing database costs one warning and keeps the latest
 * state, which is written once the database answers again.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { VoiceSessionSnapshot } from '../../db/voice-sessions.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import { createSessionRecorder } from '../../media/session-recorder.js';

interface PendingWrite {
  snapshot: VoiceSessionSnapshot;
  resolve(): void;
  reject(error: unknown): void;
}

function harness(options: { retryMs?: number } = {}) {
  const writes: PendingWrite[] = [];
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line));
      done();
    },
  });
  const recorder = createSessionRecorder({
    store: {
      save: (snapshot) =>
        new Promise<void>((resolve, reject) => writes.push({ snapshot, resolve, reject })),
    },
    bridgeInstanceId: 'brg_test',
    logger: createLogger('info', 'media', sink),
    retryMs: options.retryMs ?? 20,
    maxRetryMs: 40,
  });
  const open = (callId = 'call_1') =>
    recorder.open({ tenantId: 'ten_1', callId, streamSid: `MZ_${callId}` });
  return { recorder, writes, lines, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outage = () => new DependencyUnavailableError('database');

test('changes made in one turn of the event loop become one write of the latest state', async () => {
  const { writes, open } = harness();
  const session = open();
  session.setState('greeting');
  session.setState('listening');
  session.setState('agent_speaking');
  assert.equal(writes.length, 0, 'nothing is written while the event is being handled');

  await tick();
  assert.equal(writes.length, 1);
  assert.equal(writes[0]?.snapshot.state, 'agent_speaking');
  assert.equal(writes[0]?.snapshot.bridgeInstanceId, 'brg_test');
  assert.match(writes[0]?.snapshot.id ?? '', /^vs_/);
});

test('one write per session in flight: changes meanwhile wait and only the latest goes', async () => {
  const { writes, open } = harness();
  const session = open();
  await tick();
  session.setState('greeting');
  session.setState('listening');
  await tick();
  assert.equal(writes.length, 1, 'the first write is still in flight');

  writes[0]?.resolve();
  await tick();
  await tick();
  assert.equal(writes.length, 2);
  assert.equal(writes[1]?.snapshot.state, 'listening');
  writes[1]?.resolve();
  await tick();
  assert.equal(writes.length, 2, 'nothing left to write');
});

test('sessions are written independently of each other', async () => {
  const { writes, open } = harness();
  open('call_a');
  open('call_b');
  await tick();
  assert.deepEqual(writes.map((write) => write.snapshot.callId).sort(), ['call_a', 'call_b']);
});

test('an outage costs one warning, keeps the latest state, and writes it once the database is back', async () => {
  const { recorder, writes, lines, open } = harness();
  const first = open('call_a');
  const second = open('call_b');
  await tick();
  for (const write of writes.splice(0)) write.reject(outage());
  await tick();

  // Many changes during the outage: none of them is written or logged one by one.
  for (const state of ['greeting', 'listening', 'agent_speaking', 'in_tool'] as const) {
    first.setState(state);
    second.setState(state);
    await tick();
  }
  first.ending('agent_ended_call');
  first.end('stream_stopped');
  for (let probe = 0; probe < 3; probe += 1) {
    await wait(60);
    for (const write of writes.splice(0)) write.reject(outage());
  }
  const warnings = lines.filter((line) => line.level === 40);
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0]?.msg ?? '', /voice session writes failing/);

  // The database answers again: the next probe succeeds and the rest follow.
  const drained = recorder.drain(2_000);
  const written: VoiceSessionSnapshot[] = [];
  for (let round = 0; round < 10 && written.length < 2; round += 1) {
    await wait(30);
    for (const write of writes.splice(0)) {
      written.push(write.snapshot);
      write.resolve();
    }
  }
  assert.equal(await drained, true);
  const a = written.find((snapshot) => snapshot.callId === 'call_a');
  const b = written.find((snapshot) => snapshot.callId === 'call_b');
  assert.equal(a?.state, 'ended');
  assert.equal(a?.endReason, 'agent_ended_call');
  assert.ok(a?.endedAt && a.endedAt.getTime() < Date.now() - 100, 'the end keeps its own time');
  assert.equal(b?.state, 'in_tool');
  assert.equal(lines.filter((line) => line.msg === 'voice session writes recovered').length, 1);
});

test('the end reason: the hang-up asked for, else transferred, else how the stream ended', async () => {
  const { writes, open } = harness();
  const hungUp = open('call_a');
  hungUp.ending('no_input');
  hungUp.setState('listening');
  hungUp.end('stream_stopped');
  const transferred = open('call_b');
  transferred.setState('transferring');
  transferred.end('stream_stopped');
  const hungUpOn = open('call_c');
  hungUpOn.setState('listening');
  hungUpOn.end('twilio_socket_closed');
  hungUpOn.end('stream_stopped');
  await tick();

  const byCall = new Map(writes.map((write) => [write.snapshot.callId, write.snapshot]));
  assert.deepEqual(
    ['call_a', 'call_b', 'call_c'].map((callId) => [
      byCall.get(callId)?.state,
      byCall.get(callId)?.endReason,
    ]),
    [
      ['ended', 'no_input'],
      ['ended', 'transferred'],
      ['ended', 'twilio_socket_closed'],
    ],
  );
});

test('drain answers false when the database does not come back in time', async () => {
  const { recorder, writes, open } = harness({ retryMs: 1_000 });
  open();
  await tick();
  writes.shift()?.reject(outage());
  const drained = recorder.drain(100);
  await tick();
  writes.shift()?.reject(outage());
  assert.equal(await drained, false);
});
