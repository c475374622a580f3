/**
 * `npm test`: starts what the suite shares (PostgreSQL, a Temporal dev server,
 * the workflow bundle, the simulator certificate), then runs every test file
 * with Node's test runner. Uses DATABASE_URL / TEMPORAL_ADDRESS when given
 * (CI gives a real PostgreSQL), else the embedded PostgreSQL and the CLI.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { startEmbeddedDatabase } from '../db/embedded.js';
import { createLogger } from '../lib/logger.js';
import { ensureSimulatorCertificate } from '../simulators/tls.js';
import { freePort } from '../scripts/stack.js';
import { startDevServer } from '../scripts/temporal-server.js';
import { bundleWorkflows } from '../workers/bundle.js';

const DATA_DIRECTORY = resolve('.data/test');
const say = (line: string) => process.stdout.write(`# ${line}\n`);
const stops: Array<() => Promise<void>> = [];

function findTestFiles(directory: string, filter: string[]): string[] {
  const files = readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => join(directory, file))
    .sort();
  return filter.length === 0
    ? files
    : files.filter((file) => filter.some((part) => file.includes(part)));
}

async function main(): Promise<number> {
  mkdirSync(DATA_DIRECTORY, { recursive: true });
  const { certPath } = await ensureSimulatorCertificate(join(DATA_DIRECTORY, 'simulator-tls'));

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

  const bundle = await bundleWorkflows();
  const bundlePath = join(DATA_DIRECTORY, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);

  const files = findTestFiles(resolve('test'), process.argv.slice(2)).map((file) =>
    relative(process.cwd(), file),
  );
  say(`running ${files.length} test files`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=3', ...files],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: certPath,
        TEST_POSTGRES_SERVER_URL: postgresServerUrl,
        TEST_TEMPORAL_ADDRESS: temporalAddress,
        TEST_WORKFLOW_BUNDLE: bundlePath,
      },
    },
  );
  return new Promise((done) => child.once('exit', (code) => done(code ?? 1)));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled(stops.map((stop) => stop())).then(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  exitCode = await main();
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}
process.exit(exitCode);
