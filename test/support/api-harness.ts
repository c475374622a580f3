/**
 * The API alone, for tests of its routes: a fresh database on the shared
 * PostgreSQL (or an embedded one when a file runs on its own), the real app
 * from createApp, and a real Temporal client on a task queue no worker
 * serves, so started call workflows wait quietly and are terminated at the end.
 * Every log line and every answer is kept for the tests that scan them.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import { createApp } from '../../api/app.js';
import { createCallGateway } from '../../api/call-gateway.js';
import { openDatabase, type Database } from '../../db/database.js';
import { startEmbeddedDatabase } from '../../db/embedded.js';
import { migrateDatabase } from '../../db/migrate.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { applyServerTimeouts, createBoundedServer } from '../../lib/server-timeouts.js';
import { connectClient } from '../../lib/temporal.js';
import { createFreshDatabase, freePort } from '../../scripts/stack.js';
import { startDevServer } from '../../scripts/temporal-server.js';

export interface RecordedAnswer {
  method: string;
  path: string;
  status: number;
  headers: string;
  text: string;
}

export interface ApiHarness {
  url: string;
  app: Express;
  /** The listening server (open connections can be counted on it). */
  server: Server;
  config: Config;
  db: Database;
  adminKey: string;
  /** Every line the product logged, raw JSON. */
  logLines: string[];
  /** Every answer fetched through `request`. */
  answers: RecordedAnswer[];
  request(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  temporal(): Promise<Client>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** null: no admin key configured. */
  adminApiKey?: string | null;
  logLevel?: string;
  environment?: Record<string, string>;
}

export async function startApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };

  let serverUrl = process.env.TEST_POSTGRES_SERVER_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedDatabase(
      join('.data/test', 'postgres-api'),
      await freePort(),
      createLogger('silent'),
    );
    stops.push(() => embedded.stop());
    serverUrl = embedded.url;
  }
  let temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const server = await startDevServer({ port: await freePort(), headless: true });
    stops.push(() => server.stop());
    temporalAddress = server.address;
  }

  const databaseUrl = await createFreshDatabase(serverUrl);
  const adminKey =
    options.adminApiKey === null
      ? undefined
      : (options.adminApiKey ?? randomBytes(24).toString('hex'));
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: options.logLevel ?? 'info',
    API_PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    STREAM_TOKEN_SECRET: randomBytes(32).toString('hex'),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `unserved-${randomBytes(4).toString('hex')}`,
    TWILIO_ACCOUNT_SID: `AC${randomBytes(16).toString('hex')}`,
    TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
    OPENAI_API_KEY: `sk-test-${randomBytes(12).toString('hex')}`,
    SECRETS_MASTER_KEY: randomBytes(32).toString('hex'),
    ...(adminKey ? { ADMIN_API_KEY: adminKey } : {}),
    ...options.environment,
  });

  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger(config.logLevel, 'api', sink);

  await migrateDatabase(databaseUrl, logger);
  const db = openDatabase({ url: databaseUrl, poolMax: 10, connectTimeoutMs: 5_000 }, logger);
  stops.push(() => db.close());

  let client: Promise<Client> | undefined;
  const temporal = () => (client ??= connectClient(config));
  stops.push(async () => {
    if (!client) return;
    const connected = await client;
    // Calls started here have no worker; end their workflows so nothing lingers on the server.
    const started = await db.query<{ workflow_id: string }>(
      `SELECT workflow_id FROM calls
       UNION SELECT workflow_id FROM callback_tasks WHERE workflow_id IS NOT NULL`,
    );
    for (const { workflow_id } of started.rows) {
      await connected.workflow
        .getHandle(workflow_id)
        .terminate('test finished')
        .catch(() => undefined);
    }
    await connected.connection.close();
  });

  const app = createApp({
    config,
    db,
    logger,
    calls: createCallGateway(temporal, config.temporal.taskQueue, config.temporal.requestTimeoutMs),
  });
  const server = createBoundedServer(app);
  applyServerTimeouts(server, config.http);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  stops.push(() => new Promise((resolve) => server.close(resolve)));

  const url = config.api.publicUrl;
  const answers: RecordedAnswer[] = [];
  return {
    url,
    app,
    server,
    config,
    db,
    adminKey: adminKey ?? '',
    logLines,
    answers,
    temporal,
    stop,
    async request(method, path, requestOptions = {}) {
      const hasBody = requestOptions.body !== undefined;
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
          ...requestOptions.headers,
        },
        body: hasBody ? JSON.stringify(requestOptions.body) : undefined,
      });
      const text = await response.text();
      answers.push({
        method,
        path,
        status: response.status,
        headers: JSON.stringify([...response.headers]),
        text,
      });
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // TwiML, HTML and plain text stay as text.
      }
      return { status: response.status, body, headers: response.headers };
    },
  };
}
