/**
 * Starts a Temporal dev server (with the Temporal UI unless headless) and
 * registers the call search attributes. Uses the CLI found by
 * findTemporalCli, else the SDK's download of the dev server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { CALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { findTemporalCli } from './temporal-cli.js';

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  /** SQLite file that keeps workflow history across restarts; in memory when absent. */
  dbFilename?: string;
  headless?: boolean;
  environment?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  source: string;
  /** The CLI process, when we run it ourselves (fault tests stop and restart it). */
  process?: ChildProcess;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

async function waitUntilServing(address: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`Temporal at ${address} did not come up: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function searchAttributeArguments(): string[] {
  return CALL_SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${key.type === 'BOOL' ? 'Bool' : 'Keyword'}`,
  ]);
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const environment = options.environment ?? process.env;
  const log = options.log ?? (() => undefined);
  const address = `127.0.0.1:${options.port}`;
  const cli = findTemporalCli(environment, log);

  if (cli) {
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--namespace',
      'default',
      '--log-level',
      'error',
      ...searchAttributeArguments(),
      ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
      ...(options.headless || !options.uiPort
        ? ['--headless']
        : ['--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1']),
    ];
    const child = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`temporal dev server exited (${code}): ${stderr}`)),
      ),
    );
    exited.catch(() => undefined);
    await Promise.race([waitUntilServing(address), exited]);
    return {
      address,
      uiUrl: options.headless || !options.uiPort ? undefined : `http://127.0.0.1:${options.uiPort}`,
      source: `Temporal CLI (${cli.source}: ${cli.path})`,
      process: child,
      stop: () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    };
  }

  log('no Temporal CLI found; trying the SDK download of the dev server');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: options.port,
      dbFilename: options.dbFilename,
      ui: !options.headless && options.uiPort !== undefined,
      uiPort: options.headless ? undefined : options.uiPort,
      searchAttributes: CALL_SEARCH_ATTRIBUTES,
    },
  });
  return {
    address,
    uiUrl: options.headless || !options.uiPort ? undefined : `http://127.0.0.1:${options.uiPort}`,
    source: 'SDK download',
    stop: () => env.teardown(),
  };
}
