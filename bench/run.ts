/**
 * `npm run bench`: how many concurrent calls one media bridge process carries.
 *
 * This process runs the real bridge (media/server.ts and a CallSession per
 * call, the `openai` realtime client over TLS); a second process plays every
 * call's Twilio side and the model server. Frames carry their send time, so
 * one clock (the peer process's) measures each hop through the bridge. For
 * each concurrency it prints the added latency per hop, the barge-in reaction
 * (speech start sent to `clear` received), this process's event-loop delay,
 * CPU and memory per call, and frames lost or out of order.
 *
 *   npm run bench                                  50, 100, 200, 300, 400 calls, 10 s each
 *   npm run bench -- --calls=300 --seconds=20      one concurrency, longer
 */
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { createLogger } from '../lib/logger.js';
import { createModelConnector } from '../media/model-connection.js';
import { createMediaServer } from '../media/server.js';
import { createSessionRecorder } from '../media/session-recorder.js';
import { freePort } from '../scripts/stack.js';
import { ensureSimulatorCertificate } from '../simulators/tls.js';
import { createInstantCallControl } from './instant-call-control.js';
import { createPlainModelConnector } from './plain-model-connector.js';
import { peerMessage, type PeerMessage, type RunRequest } from './messages.js';
import { printReport, type RunRow } from './report.js';

const TLS_DIRECTORY = resolve('.data/simulator-tls');
const WARM_UP_MS = 2_000;
const SETTLE_POLL_MS = 100;

const { certPath } = await ensureSimulatorCertificate(TLS_DIRECTORY);
if (process.env.NODE_EXTRA_CA_CERTS !== certPath) await relaunch(certPath);

const concurrencies = argument('calls', '50,100,200,300,400').split(',').map(Number);
const measureMs = Number(argument('seconds', '10')) * 1_000;
const authToken = randomBytes(16).toString('hex');
const streamTokenSecret = randomBytes(32).toString('hex');

const peers = fork(resolve('bench/peers.ts'), [], {
  execArgv: ['--import', 'tsx'],
  env: {
    ...process.env,
    BENCH_AUTH_TOKEN: authToken,
    BENCH_STREAM_TOKEN_SECRET: streamTokenSecret,
    BENCH_TLS_DIR: TLS_DIRECTORY,
  },
});
const inbox = messagesFrom(peers);
const { tlsPort, plainPort } = await inbox.next('ready');
// TLS with the real openai client is the product's path; plain ws only shows what TLS costs.
const plainModel = argument('model-transport', 'tls') === 'plain';
const models = plainModel
  ? createPlainModelConnector(`ws://127.0.0.1:${plainPort}/v1/realtime`)
  : createModelConnector(
      new OpenAI({ apiKey: 'sk-bench', baseURL: `https://localhost:${tlsPort}/v1` }),
      5_000,
    );

/** Session state writes the recorder asks for, to show what PostgreSQL would be sent. */
let sessionWrites = 0;
const sessionWriteRates: string[] = [];

const mediaPort = await freePort();
const streamUrl = `ws://127.0.0.1:${mediaPort}/media-stream`;
const media = createMediaServer({
  streamUrl,
  authToken: () => authToken,
  control: createInstantCallControl(),
  models,
  defaultModel: 'gpt-realtime',
  streamTokenSecret,
  logger: createLogger('silent'),
  // The bench measures the bridge, not PostgreSQL: session states are coalesced as in the
  // product, then written nowhere.
  recorder: createSessionRecorder({
    store: {
      save: async () => {
        sessionWrites += 1;
      },
    },
    bridgeInstanceId: 'brg_bench',
    logger: createLogger('silent'),
  }),
});
await new Promise<void>((done) => media.server.listen(mediaPort, '127.0.0.1', () => done()));

const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const rows: RunRow[] = [];
const loadBefore = loadavg();
// Memory per call is measured against the idle bridge, after a collection.
globalThis.gc?.();
const idleRssBytes = process.memoryUsage().rss;
const idleHeapBytes = process.memoryUsage().heapUsed;

for (const calls of concurrencies) {
  const request: RunRequest = { type: 'run', streamUrl, calls, warmUpMs: WARM_UP_MS, measureMs };
  peers.send(request);

  await inbox.next('measuring');
  loopDelay.reset();
  const cpuStart = process.cpuUsage();
  const loopStart = performance.eventLoopUtilization();
  const startedAt = performance.now();
  const writesAtStart = sessionWrites;
  const result = await inbox.next('result');
  const cpu = process.cpuUsage(cpuStart);
  const loop = performance.eventLoopUtilization(loopStart);
  const elapsedMs = performance.now() - startedAt;
  const memory = process.memoryUsage();
  const writesPerCallSecond = (sessionWrites - writesAtStart) / calls / (elapsedMs / 1_000);
  sessionWriteRates.push(`${calls}: ${writesPerCallSecond.toFixed(2)}`);

  rows.push({
    calls,
    sessions: media.sessions.size,
    result,
    bridgeEventLoopP99Ms: loopDelay.percentile(99) / 1e6,
    bridgeLoopUtilization: loop.utilization,
    bridgeCpuPercentPerCall: ((cpu.user + cpu.system) / 1_000 / elapsedMs / calls) * 100,
    rssPerCallKb: (memory.rss - idleRssBytes) / calls / 1_024,
    heapPerCallKb: (memory.heapUsed - idleHeapBytes) / calls / 1_024,
  });
  await inbox.next('closed');
  while (media.sessions.size > 0) await new Promise((done) => setTimeout(done, SETTLE_POLL_MS));
}

printReport(rows, {
  plainModel,
  measureMs,
  cores: cpus().length,
  loadBefore,
  loadAfter: loadavg(),
});
process.stdout.write(
  `Voice session state writes per call per second (coalesced; the bench writes them nowhere): ` +
    `${sessionWriteRates.join(', ')}.\n`,
);
peers.disconnect();
await media.close();
process.exit(0);

function argument(name: string, fallback: string): string {
  const given = process.argv.find((value) => value.startsWith(`--${name}=`));
  return given ? given.slice(name.length + 3) : fallback;
}

/** The `openai` client only trusts the peer's certificate if told at process start. */
async function relaunch(caPath: string): Promise<never> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
    },
  );
  const code = await new Promise<number>((done) =>
    child.once('exit', (exitCode) => done(exitCode ?? 1)),
  );
  process.exit(code);
}

/** Messages from the peer process, awaited by type in the order they come. */
function messagesFrom(child: ReturnType<typeof fork>) {
  const queue: PeerMessage[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (raw) => {
    const parsed = peerMessage.safeParse(raw);
    if (parsed.success) queue.push(parsed.data);
    wake?.();
  });
  child.on('exit', (code) => {
    if (code !== 0) {
      process.stderr.write(`the peer process exited with ${code}\n`);
      process.exit(1);
    }
  });
  return {
    async next<T extends PeerMessage['type']>(type: T): Promise<Extract<PeerMessage, { type: T }>> {
      for (;;) {
        const index = queue.findIndex((message) => message.type === type);
        if (index >= 0) return queue.splice(index, 1)[0] as Extract<PeerMessage, { type: T }>;
        await new Promise<void>((done) => (wake = done));
      }
    },
  };
}
