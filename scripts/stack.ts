/**
 * Everything on one machine: PostgreSQL (a server, or the embedded one), a
 * Temporal dev server, the simulators, and the product's api, media bridge
 * and worker. The demo, `npm start` and the end-to-end tests all use this;
 * the product's parts are the real ones, configured as in production.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import pg from 'pg';
import { createApp } from '../api/app.js';
import { createCallGateway } from '../api/call-gateway.js';
import { openDatabase, type Database } from '../db/database.js';
import { startEmbeddedDatabase } from '../db/embedded.js';
import { migrateDatabase } from '../db/migrate.js';
import { seedDemoTenant, type SeededTenant } from '../db/seed.js';
import { createOpenAIClient, createTwilioClient } from '../lib/clients.js';
import { loadConfig, type Config } from '../lib/config.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { applyServerTimeouts, createBoundedServer } from '../lib/server-timeouts.js';
import { createSecretBox, masterKeyId } from '../lib/secret-box.js';
import { connectClient, connectWorker, installTemporalLogging } from '../lib/temporal.js';
import { startBridgeInstance, type BridgeInstance } from '../media/bridge-instance.js';
import { createCallControl } from '../media/call-control.js';
import { createModelConnector } from '../media/model-connection.js';
import { createMediaServer, type MediaServer } from '../media/server.js';
import {
  startPhoneSimulator,
  type PartyBehaviour,
  type PhoneSimulator,
} from '../simulators/phone/index.js';
import {
  startRealtimeSimulator,
  type RealtimeSimulator,
  type ScenarioFactory,
} from '../simulators/realtime/index.js';
import { startTenantBackend, type TenantBackend } from '../simulators/tenant-backend.js';
import { ensureSimulatorCertificate } from '../simulators/tls.js';
import { createBridgeMetrics } from '../media/metrics.js';
import { createApiMetrics } from '../api/metrics.js';
import { createWorkerMetrics } from '../activities/metrics.js';
import { createWorkerMetricsServer } from '../workers/metrics-server.js';
import { createCallWorker } from '../workers/worker.js';
import { startDevServer, type DevServer } from './temporal-server.js';

export interface StackOptions {
  dataDirectory: string;
  /** A PostgreSQL server to create a fresh database on; the embedded one when absent. */
  postgresServerUrl?: string;
  /** A database to use as it is (takes precedence over postgresServerUrl). */
  databaseUrl?: string;
  /** An existing Temporal frontend; a dev server is started when absent. */
  temporalAddress?: string;
  temporalUiUrl?: string;
  temporalDbFile?: string;
  headless?: boolean;
  apiPort?: number;
  mediaPort?: number;
  temporalPort?: number;
  temporalUiPort?: number;
  logLevel?: string;
  logger?: Logger;
  workflowBundlePath?: string;
  scenario?: ScenarioFactory;
  parties?: Record<string, PartyBehaviour>;
  /** How a number not in `parties` behaves; the simulator answers by default. */
  defaultParty?: PartyBehaviour;
  environment?: NodeJS.ProcessEnv;
  /** Enables the admin API (/api/v1/admin) with this key; it does not exist without one. */
  adminApiKey?: string;
  log?: (line: string) => void;
  /** Twilio account and the public URLs it signs (the signature tests use the cases' values). */
  twilioAccountSid?: string;
  twilioAuthToken?: string;
  publicUrl?: string;
  mediaStreamUrl?: string;
  /** BRIDGE_HEARTBEAT_MS of the bridge (and of the configuration given to tests). */
  bridgeHeartbeatMs?: number;
  /** More configuration variables (limits, timeouts) for the api and the bridge. */
  configuration?: Record<string, string>;
}

export interface Stack {
  config: Config;
  db: Database;
  databaseUrl: string;
  /** Where the api and the bridge listen (the public URLs may differ, as behind a proxy). */
  apiUrl: string;
  mediaUrl: string;
  /** Each part's /metrics (the worker's on a small server of its own). */
  metricsUrls: { api: string; bridge: string; worker: string };
  temporal: { address: string; uiUrl: string; source: string; server?: DevServer };
  phone: PhoneSimulator;
  model: RealtimeSimulator;
  tenantBackend: TenantBackend;
  tenant: SeededTenant;
  /** The tenant's tool webhook signing secret (tests check it never leaks). */
  toolSecret: string;
  media: MediaServer;
  /** The in-process bridge's registry row and session recorder. */
  bridge: BridgeInstance;
  worker: Worker;
  logger: Logger;
  stop(): Promise<void>;
}

/** The number the demo tenant owns, and the callee the demo dials. */
export const DEMO_NUMBER = '+15005550001';
export const DEMO_CALLEE = '+15005550006';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Temporal's runtime is installed once per process: the first stack's logger gets the SDK's
 * lines, and every stack's worker /metrics merges the one SDK exporter.
 */
let temporalMetricsAddress: Promise<string> | undefined;
function installTemporalLoggingOnce(logger: Logger): Promise<string> {
  temporalMetricsAddress ??= freePort().then((port) => {
    const address = `127.0.0.1:${port}`;
    installTemporalLogging(logger, { metricsBindAddress: address });
    return address;
  });
  return temporalMetricsAddress;
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Creates a database (dropping one of the same name) and answers its URL. */
export async function createFreshDatabase(
  serverUrl: string,
  name = `voice_${randomBytes(6).toString('hex')}`,
): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => undefined);
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    const certificate = await ensureSimulatorCertificate(
      join(options.dataDirectory, 'simulator-tls'),
    );

    let databaseUrl: string;
    if (options.databaseUrl) {
      databaseUrl = options.databaseUrl;
    } else if (options.postgresServerUrl) {
      databaseUrl = await createFreshDatabase(options.postgresServerUrl);
    } else {
      log('starting the embedded PostgreSQL');
      const embedded = await startEmbeddedDatabase(
        join(options.dataDirectory, 'postgres'),
        54_329,
        createLogger('silent'),
      );
      cleanups.push(() => embedded.stop());
      // Each run of the stack starts from a clean demo database on the embedded server.
      databaseUrl = await createFreshDatabase(embedded.url, 'stateset_demo');
    }

    let temporal: Stack['temporal'];
    if (options.temporalAddress) {
      temporal = {
        address: options.temporalAddress,
        uiUrl: options.temporalUiUrl ?? 'http://localhost:8233',
        source: 'given',
      };
    } else {
      log('starting the Temporal dev server');
      const server = await startDevServer({
        port: options.temporalPort ?? (await freePort()),
        uiPort: options.headless ? undefined : (options.temporalUiPort ?? (await freePort())),
        headless: options.headless,
        dbFilename: options.temporalDbFile,
        environment: options.environment,
        log,
      });
      cleanups.push(() => server.stop());
      temporal = {
        address: server.address,
        uiUrl: server.uiUrl ?? 'http://localhost:8233',
        source: server.source,
        server,
      };
    }

    const accountSid = options.twilioAccountSid ?? `AC${randomBytes(16).toString('hex')}`;
    const authToken = options.twilioAuthToken ?? randomBytes(16).toString('hex');
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
      defaultParty: options.defaultParty,
    });
    cleanups.push(() => phone.close());
    const tenantBackend = await startTenantBackend(toolSecret);
    cleanups.push(() => tenantBackend.close());

    // Bound before configuration so the ports are ours: probing for a free port and binding
    // later races with every other process on the machine.
    const apiHttp = createBoundedServer();
    await listen(apiHttp, options.apiPort ?? 0);
    cleanups.push(() => new Promise((resolve) => apiHttp.close(resolve)));
    const mediaHttp = createBoundedServer();
    await listen(mediaHttp, options.mediaPort ?? 0);
    const apiPort = (apiHttp.address() as AddressInfo).port;
    const mediaPort = (mediaHttp.address() as AddressInfo).port;
    const config = loadConfig({
      NODE_ENV: 'development',
      LOG_LEVEL: options.logLevel ?? 'warn',
      API_PORT: String(apiPort),
      MEDIA_PORT: String(mediaPort),
      PUBLIC_URL: options.publicUrl ?? `http://localhost:${apiPort}`,
      MEDIA_STREAM_URL: options.mediaStreamUrl ?? `ws://localhost:${mediaPort}/media-stream`,
      STREAM_TOKEN_SECRET: randomBytes(32).toString('hex'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_UI_URL: temporal.uiUrl,
      TEMPORAL_TASK_QUEUE: `voice-calls-${randomBytes(4).toString('hex')}`,
      WORKFLOW_BUNDLE_PATH: options.workflowBundlePath,
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_API_BASE_URL: phone.apiBaseUrl,
      OPENAI_API_KEY: openaiKey,
      OPENAI_BASE_URL: model.baseUrl,
      SECRETS_MASTER_KEY: randomBytes(32).toString('hex'),
      ADMIN_API_KEY: options.adminApiKey,
      BRIDGE_HEARTBEAT_MS:
        options.bridgeHeartbeatMs === undefined ? undefined : String(options.bridgeHeartbeatMs),
      ...options.configuration,
    });
    applyServerTimeouts(apiHttp, config.http);
    applyServerTimeouts(mediaHttp, config.http);
    const logger = options.logger ?? createLogger(config.logLevel);
    const sdkMetricsAddress = await installTemporalLoggingOnce(logger);

    await migrateDatabase(databaseUrl, logger);
    const db = openDatabase({ url: databaseUrl, poolMax: 10, connectTimeoutMs: 5_000 }, logger);
    cleanups.push(() => db.close());
    const keyId = masterKeyId(config.secretsMasterKey);
    const secrets = createSecretBox({ [keyId]: config.secretsMasterKey }, keyId);
    const workerMetrics = createWorkerMetrics(db);
    const workerMetricsHttp = createWorkerMetricsServer({
      registry: workerMetrics.registry,
      temporalMetricsAddress: sdkMetricsAddress,
    });
    await listen(workerMetricsHttp, 0);
    cleanups.push(() => new Promise((resolve) => workerMetricsHttp.close(resolve)));
    const workerMetricsPort = (workerMetricsHttp.address() as AddressInfo).port;

    const tenant = await seedDemoTenant(db, secrets, {
      tenantName: 'Demo Tenant',
      phoneNumber: DEMO_NUMBER,
      toolWebhookUrl: `${tenantBackend.url}/tools/check_order_status`,
      toolSecret,
    });

    const client = await connectClient(config);
    cleanups.push(() => client.connection.close());

    log('bundling the workflows and starting the worker');
    const worker = await createCallWorker({
      connection: await connectWorker(config),
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundlePath: config.temporal.workflowBundlePath,
      dependencies: {
        db,
        twilio: createTwilioClient(config),
        openai: createOpenAIClient(config),
        secrets,
        publicUrl: config.api.publicUrl,
        streamUrl: config.media.streamUrl,
        streamTokenSecret: config.media.streamTokenSecret,
        evaluationModel: config.openai.evaluationModel,
        allowInsecureToolUrls: true,
        metrics: workerMetrics,
      },
    });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const calls = createCallGateway(
      () => Promise.resolve(client),
      config.temporal.taskQueue,
      config.temporal.requestTimeoutMs,
    );
    apiHttp.on('request', createApp({ config, db, calls, logger, metrics: createApiMetrics() }));

    const bridge = await startBridgeInstance({
      db,
      streamUrl: config.media.streamUrl,
      heartbeatMs: config.media.heartbeatMs,
      logger,
    });
    cleanups.push(() => bridge.stop());
    const media = createMediaServer({
      recorder: bridge.recorder,
      streamUrl: config.media.streamUrl,
      authToken: () => config.twilio.authToken,
      control: createCallControl(client),
      models: createModelConnector(createOpenAIClient(config), config.openai.connectTimeoutMs),
      defaultModel: config.openai.realtimeModel,
      streamTokenSecret: config.media.streamTokenSecret,
      logger,
      server: mediaHttp,
      metrics: createBridgeMetrics(),
      maxMessageBytes: config.media.maxMessageBytes,
      maxBufferedBytes: config.media.maxBufferedBytes,
      startTimeoutMs: config.media.startTimeoutMs,
    });
    cleanups.push(() => media.close());

    return {
      config,
      db,
      databaseUrl,
      apiUrl: `http://localhost:${apiPort}`,
      mediaUrl: `ws://localhost:${mediaPort}/media-stream`,
      metricsUrls: {
        api: `http://localhost:${apiPort}/metrics`,
        bridge: `http://localhost:${mediaPort}/metrics`,
        worker: `http://localhost:${workerMetricsPort}/metrics`,
      },
      temporal,
      phone,
      model,
      tenantBackend,
      tenant,
      toolSecret,
      media,
      bridge,
      worker,
      logger,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
