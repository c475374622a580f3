/**
 * The API the fuzzer aims at: the whole stack of scripts/stack.ts on loopback
 * (real PostgreSQL and Temporal, the api, bridge and worker, the simulators),
 * so that what a fuzzed request starts really runs: a call it places rings at
 * the phone simulator and is never answered, so hanging it up, or a callback
 * placing one, goes through the call workflow as in production.
 */
import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/database.js';
import { connectClient } from '../../lib/temporal.js';
import { startStack, type Stack } from '../stack.js';

export interface ApiUnderTest {
  url: string;
  stack: Stack;
  db: Database;
  adminKey: string;
  stop(): Promise<void>;
}

export interface ApiUnderTestOptions {
  /** A PostgreSQL server to make a fresh database on; embedded when absent. */
  postgresServerUrl?: string;
  temporalAddress?: string;
  dataDirectory: string;
  log: (line: string) => void;
}

// The fuzzer sends thousands of requests a minute from one address; the budget is not under test.
const FUZZ_REQUESTS_PER_MINUTE = '10000000';
/** Longer than any run: a fuzzed call rings until it is hung up or the run ends. */
const RING_MS = 30 * 60_000;

export async function startApiUnderTest(options: ApiUnderTestOptions): Promise<ApiUnderTest> {
  const adminKey = randomBytes(24).toString('hex');
  const stack = await startStack({
    dataDirectory: options.dataDirectory,
    postgresServerUrl: options.postgresServerUrl,
    temporalAddress: options.temporalAddress,
    headless: true,
    logLevel: 'warn',
    adminApiKey: adminKey,
    defaultParty: { answer: 'no-answer', ringMs: RING_MS },
    configuration: { API_REQUESTS_PER_MINUTE_PER_ADDRESS: FUZZ_REQUESTS_PER_MINUTE },
    log: options.log,
  });

  return {
    url: stack.apiUrl,
    stack,
    db: stack.db,
    adminKey,
    stop: async () => {
      await terminateRunningWorkflows(stack).catch(() => undefined);
      await stack.stop();
    },
  };
}

/** Calls still ringing when the run ends: end their workflows so none lingers on a shared server. */
async function terminateRunningWorkflows(stack: Stack): Promise<void> {
  const client: Client = await connectClient(stack.config);
  try {
    const started = await stack.db.query<{ workflow_id: string }>(
      `SELECT workflow_id FROM calls WHERE ended_at IS NULL
       UNION SELECT workflow_id FROM callback_tasks WHERE workflow_id IS NOT NULL`,
    );
    for (const { workflow_id } of started.rows) {
      await client.workflow
        .getHandle(workflow_id)
        .terminate('fuzz run finished')
        .catch(() => undefined);
    }
  } finally {
    await client.connection.close();
  }
}
