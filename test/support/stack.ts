/**
 * The full stack for one test file: a fresh database on the shared PostgreSQL,
 * its own task queue on the shared Temporal server, its own simulators. When a
 * file runs on its own (not under `npm test`), it starts what it needs itself.
 */
import { connectClient } from '../../lib/temporal.js';
import { startStack, type Stack, type StackOptions } from '../../scripts/stack.js';
import { recordingDirectory, saveClosedHistories } from './histories.js';

export async function startTestStack(overrides: Partial<StackOptions> = {}): Promise<Stack> {
  const stack = await startStack({
    dataDirectory: '.data/test',
    postgresServerUrl: process.env.TEST_POSTGRES_SERVER_URL,
    temporalAddress: process.env.TEST_TEMPORAL_ADDRESS,
    workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
    headless: true,
    logLevel: 'silent',
    ...overrides,
  });
  const directory = recordingDirectory();
  if (!directory) return stack;

  // Recording replay fixtures: the histories are saved before the stack goes away.
  return {
    ...stack,
    stop: async () => {
      const client = await connectClient(stack.config);
      try {
        await saveClosedHistories(client, stack.config.temporal.taskQueue, directory);
      } finally {
        await client.connection.close();
        await stack.stop();
      }
    },
  };
}

/** What the request helpers need: the in-process stack or the process stack. */
export type ApiTarget = Pick<Stack, 'apiUrl' | 'tenant'>;

export async function getJson(
  stack: ApiTarget,
  path: string,
  key = stack.tenant.apiKey,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: await response.json() };
}

export async function postJson(
  stack: ApiTarget,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.tenant.apiKey}`,
      'content-type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    headers: response.headers,
  };
}

/** Polls until `check` answers a value, or fails after the timeout. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
