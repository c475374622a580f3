/**
 * The benchmark's peer process: every call's Twilio side and the model
 * server, kept out of the bridge's process so they do not share its event
 * loop. Driven over IPC by bench/run.ts; see that file for the protocol.
 */
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { ensureSimulatorCertificate } from '../simulators/tls.js';
import { runRequest, type PeerMessage, type RunRequest } from './messages.js';
import { ModelPeer } from './model-peer.js';
import type { Samples } from './stats.js';
import { CallTraffic, TrafficStats } from './traffic.js';
import { TwilioPeerCall } from './twilio-peer.js';

const environment = z
  .object({
    BENCH_AUTH_TOKEN: z.string().min(1),
    BENCH_STREAM_TOKEN_SECRET: z.string().min(32),
    BENCH_TLS_DIR: z.string(),
  })
  .parse(process.env);

const CONNECT_BATCH = 20;
const PAIRING_TIMEOUT_MS = 30_000;
const DRAIN_MS = 1_000;
const FRAME_MS = 20;

const callsById = new Map<string, CallTraffic>();
const stats = new TrafficStats();
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const model = new ModelPeer(await ensureSimulatorCertificate(environment.BENCH_TLS_DIR), callsById);
const { tlsPort, plainPort } = await model.listen();
let runNumber = 0;

function send(message: PeerMessage): void {
  process.send?.(message);
}

function hop(samples: Samples) {
  const [p50 = 0, p99 = 0, p999 = 0] = samples.percentiles(50, 99, 99.9);
  return { p50, p99, p999, samples: samples.size };
}

async function run(request: RunRequest): Promise<void> {
  runNumber += 1;
  stats.reset();
  stats.measuring = false;
  callsById.clear();
  const calls = Array.from(
    { length: request.calls },
    (_, index) => new CallTraffic(index, `call_bench_${runNumber}_${index}`, stats),
  );
  for (const call of calls) callsById.set(call.callId, call);
  const peers = calls.map(
    (call) =>
      new TwilioPeerCall(call, {
        streamUrl: request.streamUrl,
        authToken: environment.BENCH_AUTH_TOKEN,
        streamTokenSecret: environment.BENCH_STREAM_TOKEN_SECRET,
      }),
  );

  // Open the calls a batch at a time, as a busy line would, and wait until every model session is up.
  for (let start = 0; start < peers.length; start += CONNECT_BATCH) {
    await Promise.all(peers.slice(start, start + CONNECT_BATCH).map((peer) => peer.connect()));
  }
  const paired = Promise.all(calls.map((call) => call.modelReady));
  await Promise.race([
    paired,
    delay(PAIRING_TIMEOUT_MS).then(() => Promise.reject(new Error('model sessions did not open'))),
  ]);

  // Every call talks; frames are spread evenly across each 20 ms.
  peers.forEach((peer, index) => peer.startTalking((index * FRAME_MS) / peers.length));
  model.startSpeaking();
  await delay(request.warmUpMs);

  stats.reset();
  stats.measuring = true;
  loopDelay.reset();
  const cpuStart = process.cpuUsage();
  const loopStart = performance.eventLoopUtilization();
  const startedAt = performance.now();
  send({ type: 'measuring' });
  await delay(request.measureMs);
  stats.measuring = false;
  const cpu = process.cpuUsage(cpuStart);
  const loop = performance.eventLoopUtilization(loopStart);
  const elapsedMs = performance.now() - startedAt;

  for (const peer of peers) peer.stopTalking();
  model.stopSpeaking();
  await delay(DRAIN_MS);

  send({
    type: 'result',
    callsLive: calls.length,
    callerToModel: hop(stats.callerToModel),
    modelToCaller: hop(stats.modelToCaller),
    bargeInP99: stats.bargeIn.percentiles(99)[0] ?? 0,
    bargeIns: stats.bargeIn.size,
    framesSent: calls.reduce((sum, call) => sum + call.callerFramesSent + call.agentFramesSent, 0),
    framesDropped: calls.reduce((sum, call) => sum + call.framesDropped, 0),
    framesReordered: stats.reordered,
    framesMisrouted: stats.misrouted,
    peerCpuPercent: ((cpu.user + cpu.system) / 1_000 / elapsedMs) * 100,
    peerEventLoopP99Ms: loopDelay.percentile(99) / 1e6,
    peerLoopUtilization: loop.utilization,
  });

  for (const peer of peers) peer.hangUp();
  await delay(DRAIN_MS);
  stats.reordered = 0;
  stats.misrouted = 0;
  send({ type: 'closed' });
}

process.on('message', (raw) => {
  const request = runRequest.safeParse(raw);
  if (!request.success) return;
  run(request.data).catch((error: unknown) => {
    process.stderr.write(
      `bench peers: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
});
process.on('disconnect', () => void model.close().finally(() => process.exit(0)));
send({ type: 'ready', tlsPort, plainPort });
