/**
 * The product as it runs in production, for fault tests and benchmarks: its
 * own PostgreSQL (stoppable) and Temporal dev server on a file database
 * (killable, restartable on the same port and file), the simulators in this
 * process, and the api, N media bridges (behind a TCP balancer) and M workers
 * as child processes from their real entry points, configured only by their
 * environment. Every child dies with the test process.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { openDatabase, type Database } from '../../db/database.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../db/embedded.js';
import { migrateDatabase } from '../../db/migrate.js';
import { seedDemoTenant, type SeededTenant } from '../../db/seed.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { createSecretBox, masterKeyId } from '../../lib/secret-box.js';
import { connectClient } from '../../lib/temporal.js';
import { DEMO_NUMBER, freePort } from '../../scripts/stack.js';
import { startDevServer, type DevServer } from '../../scripts/temporal-server.js';
import {
  startPhoneSimulator,
  type PartyBehaviour,
  type PhoneSimulator,
} from '../../simulators/phone/index.js';
import {
  startRealtimeSimulator,
  type RealtimeSimulator,
  type ScenarioFactory,
} from '../../simulators/realtime/index.js';
import { startTenantBackend, type TenantBackend } from '../../simulators/tenant-backend.js';
import { ensureSimulatorCertificate } from '../../simulators/tls.js';
import { bundleWorkflows } from '../../workers/bundle.js';
import { recordingDirectory, saveClosedHistories } from './histories.js';
import { ProductProcess } from './product-process.js';
import { forgetPostgres, reapOnExit, reapPostgresOnExit } from './reaper.js';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer.js';

export interface ProcessStackOptions {
  /** Names the data directory (.data/faults/<label>-...). */
  label?: string;
  bridges?: number;
  workers?: number;
  parties?: Record<string, PartyBehaviour>;
  scenario?: ScenarioFactory;
  /** The children's LOG_LEVEL; default info (their lines are kept, never printed). */
  logLevel?: string;
  /** More environment for every child (for example DB_CONNECT_TIMEOUT_MS). */
  environment?: Record<string, string>;
  adminApiKey?: string;
  /** The dev server keeps its database in memory (no restart with histories): for benchmarks. */
  temporalInMemory?: boolean;
}

export interface StackPostgres {
  /** The server's admin URL (the product's database is databaseUrl). */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface StackTemporal {
  address: string;
  /** The dev server's SQLite file: history survives a kill. */
  dbFile: string;
  readonly isRunning: boolean;
  /** The dev server's process id (a benchmark reads its CPU time). */
  readonly pid: number | undefined;
  /** Kills the dev server (SIGKILL by default) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and file. */
  start(): Promise<void>;
  /** The test's own client (reconnects by itself after a restart). */
  client(): Promise<Client>;
}

export interface ProcessStack {
  dataDirectory: string;
  /** The configuration every child is given, parsed: for the test's own clients. */
  config: Config;
  databaseUrl: string;
  /** The test's own pool on the product's database. */
  db: Database;
  apiUrl: string;
  /** The public media stream URL (the balancer in front of the bridges). */
  mediaStreamUrl: string;
  postgres: StackPostgres;
  temporal: StackTemporal;
  phone: PhoneSimulator;
  model: RealtimeSimulator;
  tenantBackend: TenantBackend;
  tenant: SeededTenant;
  balancer: TcpBalancer;
  api: ProductProcess;
  bridges: ProductProcess[];
  workers: ProductProcess[];
  addWorker(): Promise<ProductProcess>;
  addBridge(): Promise<ProductProcess>;
  /** The worker whose Temporal identity this is (Temporal records it on tasks). */
  workerByIdentity(identity: string | null | undefined): ProductProcess | undefined;
  /** Every child, in start order. */
  processes(): ProductProcess[];
  stop(): Promise<void>;
}

const DATA_ROOT = resolve('.data/faults');
const READY_TIMEOUT_MS = 90_000;
const START_ATTEMPTS = 3;
const POLL_MS = 200;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The Temporal identity a worker process gets by default. */
export function workerIdentity(pid: number | undefined): string {
  return `${pid}@${hostname()}`;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Ports are probed, then bound by the child: another process may take one in between. */
async function startOnFreePort(
  make: (port: number) => ProductProcess,
): Promise<{ process: ProductProcess; port: number }> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const child = make(port);
    try {
      await child.start();
      return { process: child, port };
    } catch (error) {
      await child.kill();
      if (attempt >= START_ATTEMPTS || !/EADDRINUSE/.test(String(error))) throw error;
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Data directories left by a test process that was killed (its children were reaped). */
function removeStaleDirectories(): void {
  mkdirSync(DATA_ROOT, { recursive: true });
  for (const name of readdirSync(DATA_ROOT)) {
    const pid = Number(/-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (pid && !isAlive(pid)) rmSync(join(DATA_ROOT, name), { recursive: true, force: true });
  }
}

export async function startProcessStack(options: ProcessStackOptions = {}): Promise<ProcessStack> {
  removeStaleDirectories();
  const dataDirectory = join(
    DATA_ROOT,
    `${options.label ?? 'stack'}-${process.pid}-${randomBytes(3).toString('hex')}`,
  );
  mkdirSync(dataDirectory, { recursive: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  const children: ProductProcess[] = [];
  const killChildren = () => children.forEach((child) => child.killNow());
  process.once('exit', killChildren);
  let recordHistories: (() => Promise<unknown>) | undefined;
  const stopAll = async () => {
    process.off('exit', killChildren);
    // Recording replay fixtures (npm run histories:record): saved while Temporal still runs.
    await recordHistories?.().catch(() => undefined);
    // Throwaway processes on throwaway data: no need to wait for a graceful shutdown.
    await Promise.allSettled(children.map((child) => child.kill('SIGKILL')));
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(dataDirectory, { recursive: true, force: true });
  };

  try {
    const certificate = await ensureSimulatorCertificate(resolve('.data/test/simulator-tls'));

    // PostgreSQL of our own, so stopping it touches nobody else.
    const postgresDirectory = join(dataDirectory, 'postgres');
    const postgresPort = await freePort();
    reapPostgresOnExit(postgresDirectory);
    const embedded: EmbeddedDatabase = await startEmbeddedDatabase(
      postgresDirectory,
      postgresPort,
      createLogger('silent'),
    );
    let postgresRunning = true;
    cleanups.push(async () => {
      if (postgresRunning) await embedded.stop();
      forgetPostgres(postgresDirectory);
    });
    const databaseUrl = embedded.url;

    // Temporal on a file, so a killed server comes back with every history.
    const temporalPort = await freePort();
    const temporalDbFile = join(dataDirectory, 'temporal.db');
    let devServer: DevServer | undefined;
    const startTemporal = async () => {
      devServer = await startDevServer({
        port: temporalPort,
        headless: true,
        dbFilename: options.temporalInMemory ? undefined : temporalDbFile,
      });
      if (!devServer.process) throw new Error('fault tests need the Temporal CLI (a process)');
      reapOnExit(devServer.process.pid, devServer.process);
    };
    await startTemporal();
    cleanups.push(async () => devServer?.stop());
    const temporalRunning = () =>
      devServer?.process?.exitCode === null && !devServer.process.killed;

    let workflowBundlePath = process.env.TEST_WORKFLOW_BUNDLE;
    if (!workflowBundlePath) {
      workflowBundlePath = join(dataDirectory, 'workflow-bundle.js');
      writeFileSync(workflowBundlePath, (await bundleWorkflows()).code);
    }

    const accountSid = `AC${randomBytes(16).toString('hex')}`;
    const authToken = randomBytes(16).toString('hex');
    const openaiKey = `sk-sim-${randomBytes(12).toString('hex')}`;
    const toolSecret = randomBytes(24).toString('base64url');
    const model = await startRealtimeSimulator({
      tls: certificate,
      apiKey: openaiKey,
      scenario: options.scenario,
    });
    cleanups.push(() => model.close());
    const phone = await startPhoneSimulator({
      accounts: { [accountSid]: authToken },
      parties: options.parties,
    });
    cleanups.push(() => phone.close());
    const tenantBackend = await startTenantBackend(toolSecret);
    cleanups.push(() => tenantBackend.close());
    const balancer = await startTcpBalancer();
    cleanups.push(() => balancer.close());

    const apiPort = await freePort();
    const environment: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? dataDirectory,
      NODE_EXTRA_CA_CERTS: certificate.certPath,
      NODE_ENV: 'development',
      LOG_LEVEL: options.logLevel ?? 'info',
      LISTEN_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      MEDIA_STREAM_URL: `ws://127.0.0.1:${balancer.port}/media-stream`,
      STREAM_TOKEN_SECRET: randomBytes(32).toString('hex'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_TASK_QUEUE: `voice-calls-${randomBytes(4).toString('hex')}`,
      WORKFLOW_BUNDLE_PATH: workflowBundlePath,
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_API_BASE_URL: phone.apiBaseUrl,
      OPENAI_API_KEY: openaiKey,
      OPENAI_BASE_URL: model.baseUrl,
      SECRETS_MASTER_KEY: randomBytes(32).toString('hex'),
      ...(options.adminApiKey ? { ADMIN_API_KEY: options.adminApiKey } : {}),
      ...options.environment,
    };
    const config = loadConfig(environment);
    const logger = createLogger('silent');

    // Migrated and seeded before any child starts, exactly as `npm start` does.
    await migrateDatabase(databaseUrl, logger);
    const db = openDatabase({ url: databaseUrl, poolMax: 4, connectTimeoutMs: 2_000 }, logger);
    cleanups.push(() => db.close());
    const keyId = masterKeyId(config.secretsMasterKey);
    const tenant = await seedDemoTenant(
      db,
      createSecretBox({ [keyId]: config.secretsMasterKey }, keyId),
      {
        tenantName: 'Demo Tenant',
        phoneNumber: DEMO_NUMBER,
        toolWebhookUrl: `${tenantBackend.url}/tools/check_order_status`,
        toolSecret,
      },
    );

    let client: Promise<Client> | undefined;
    const temporalClient = () => (client ??= connectClient(config));
    cleanups.push(async () => (client ? (await client).connection.close() : undefined));

    const apiUrl = environment.PUBLIC_URL as string;
    const api = new ProductProcess({
      name: 'api',
      entry: 'api/main.ts',
      environment,
      ready: () =>
        until('the api', async () => (await fetch(`${apiUrl}/health/live`)).status === 200),
    });
    children.push(api);
    await api.start();

    const bridges: ProductProcess[] = [];
    const addBridge = async () => {
      const { process: bridge, port } = await startOnFreePort(
        (port) =>
          new ProductProcess({
            name: `bridge-${bridges.length + 1}`,
            entry: 'media/main.ts',
            environment: { ...environment, MEDIA_PORT: String(port) },
            ready: async (self) => {
              await self.waitForLine((line) => line.msg === 'media bridge listening');
            },
          }),
      );
      children.push(bridge);
      bridges.push(bridge);
      balancer.backends.push(port);
      return bridge;
    };

    const workers: ProductProcess[] = [];
    // Ready once Temporal lists it among the pollers of both kinds of task on the queue.
    const polling = async (self: ProductProcess) => {
      await self.waitForLine((line) => line.msg === 'worker started', READY_TIMEOUT_MS);
      const identity = workerIdentity(self.pid);
      const connected = await temporalClient();
      await until(`${self.name} to poll`, async () => {
        for (const taskQueueType of [1, 2]) {
          const described = await connected.workflowService.describeTaskQueue({
            namespace: config.temporal.namespace,
            taskQueue: { name: config.temporal.taskQueue },
            taskQueueType,
          });
          if (!described.pollers?.some((poller) => poller.identity === identity)) return false;
        }
        return true;
      });
    };
    const addWorker = async () => {
      // Each worker process has its own /metrics and Temporal SDK exporter ports.
      const metricsPorts = {
        METRICS_PORT: String(await freePort()),
        TEMPORAL_METRICS_PORT: String(await freePort()),
      };
      const worker = new ProductProcess({
        name: `worker-${workers.length + 1}`,
        entry: 'workers/main.ts',
        environment: { ...environment, ...metricsPorts },
        ready: polling,
      });
      children.push(worker);
      workers.push(worker);
      await worker.start();
      return worker;
    };

    for (let i = 0; i < (options.bridges ?? 1); i += 1) await addBridge();
    await Promise.all(Array.from({ length: options.workers ?? 1 }, () => addWorker()));

    const recording = recordingDirectory();
    if (recording) {
      recordHistories = async () =>
        saveClosedHistories(await temporalClient(), config.temporal.taskQueue, recording);
    }

    return {
      dataDirectory,
      config,
      databaseUrl,
      db,
      apiUrl,
      mediaStreamUrl: environment.MEDIA_STREAM_URL as string,
      postgres: {
        url: databaseUrl,
        stop: async () => {
          await embedded.stop();
          postgresRunning = false;
        },
        start: async () => {
          await embedded.start();
          postgresRunning = true;
        },
      },
      temporal: {
        address: config.temporal.address,
        dbFile: temporalDbFile,
        get isRunning() {
          return temporalRunning();
        },
        get pid() {
          return devServer?.process?.pid;
        },
        kill: async (signal = 'SIGKILL') => {
          const server = devServer?.process;
          if (!server || server.exitCode !== null) return;
          const exited = new Promise((done) => server.once('exit', done));
          server.kill(signal);
          await exited;
        },
        start: startTemporal,
        client: temporalClient,
      },
      phone,
      model,
      tenantBackend,
      tenant,
      balancer,
      api,
      bridges,
      workers,
      addWorker,
      addBridge,
      workerByIdentity: (identity) =>
        workers.find((worker) => identity && workerIdentity(worker.pid) === identity),
      processes: () => [...children],
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
