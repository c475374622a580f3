/**
 * What `npm test` and `npm run test:faults` share: the workflow bundle and the
 * simulator certificate prepared once, optionally a shared PostgreSQL and
 * Temporal dev server, then the test files under Node's test runner. Uses
 * DATABASE_URL / TEMPORAL_ADDRESS when given (CI gives a real PostgreSQL),
 * else the embedded PostgreSQL and the CLI.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { startEmbeddedDatabase } from '../../db/embedded.js';
import { createLogger } from '../../lib/logger.js';
import { ensureSimulatorCertificate } from '../../simulators/tls.js';
import { freePort } from '../../scripts/stack.js';
import { startDevServer } from '../../scripts/temporal-server.js';
import { bundleWorkflows } from '../../workers/bundle.js';

export interface TestRunOptions {
  /** Where to look for *.test.ts files. */
  directory: string;
  /** Folders under `directory` whose files this run leaves out. */
  excludeFolders?: string[];
  /** Fragments from the command line: only files whose path contains one run. */
  filter: string[];
  /** How many test files run at once. */
  concurrency: number;
  /** Start the PostgreSQL and Temporal that every test file shares (fault tests bring their own). */
  sharedServers: boolean;
}

const DATA_DIRECTORY = resolve('.data/test');
const say = (line: string) => process.stdout.write(`# ${line}\n`);

export function findTestFiles(options: TestRunOptions): string[] {
  const excluded = (options.excludeFolders ?? []).map((folder) => `${folder}${sep}`);
  const files = readdirSync(options.directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => !excluded.some((folder) => file.startsWith(folder)))
    .map((file) => join(options.directory, file))
    .sort();
  return options.filter.length === 0
    ? files
    : files.filter((file) => options.filter.some((part) => file.includes(part)));
}

async function prepare(
  options: TestRunOptions,
  stops: Array<() => Promise<void>>,
): Promise<Record<string, string>> {
  mkdirSync(DATA_DIRECTORY, { recursive: true });
  const { certPath } = await ensureSimulatorCertificate(join(DATA_DIRECTORY, 'simulator-tls'));
  const environment: Record<string, string> = { NODE_EXTRA_CA_CERTS: certPath };

  if (options.sharedServers) {
    let postgresServerUrl = process.env.DATABASE_URL;
    if (!postgresServerUrl) {
      say('starting the embedded PostgreSQL');
      const embedded = await startEmbeddedDatabase(
        join(DATA_DIRECTORY, 'postgres'),
        await freePort(),
        createLogger('silent'),
      );
      stops.push(() => embedded.stop());
      postgresServerUrl = embedded.url;
    }

    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const server = await startDevServer({ port: await freePort(), headless: true, log: say });
      stops.push(() => server.stop());
      temporalAddress = server.address;
      say(`Temporal dev server: ${server.source}`);
    }
    environment.TEST_POSTGRES_SERVER_URL = postgresServerUrl;
    environment.TEST_TEMPORAL_ADDRESS = temporalAddress;
  }

  const bundle = await bundleWorkflows();
  const bundlePath = join(DATA_DIRECTORY, `workflow-bundle-${process.pid}.js`);
  writeFileSync(bundlePath, bundle.code);
  stops.push(async () => rmSync(bundlePath, { force: true }));
  environment.TEST_WORKFLOW_BUNDLE = bundlePath;
  return environment;
}

async function run(options: TestRunOptions, stops: Array<() => Promise<void>>): Promise<number> {
  const files = findTestFiles(options).map((file) => relative(process.cwd(), file));
  if (files.length === 0) {
    say('no test files match');
    return 1;
  }
  const environment = await prepare(options, stops);
  say(`running ${files.length} test files`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${options.concurrency}`, ...files],
    { stdio: 'inherit', env: { ...process.env, ...environment } },
  );
  return new Promise((done) => child.once('exit', (code) => done(code ?? 1)));
}

/** Runs the files and exits with the test runner's code, stopping what it started. */
export async function runTestsAndExit(options: TestRunOptions): Promise<never> {
  const stops: Array<() => Promise<void>> = [];
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.allSettled(stops.map((stop) => stop())).then(() => process.exit(130));
    });
  }

  let exitCode = 1;
  try {
    exitCode = await run(options, stops);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
  process.exit(exitCode);
}
