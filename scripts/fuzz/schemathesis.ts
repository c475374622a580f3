/**
 * schemathesis, the property-based API fuzzer, from PyPI: installed once into
 * a virtualenv of its own under ~/.cache/stateset-voice (never the system's
 * site-packages), pinned, and run as a child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const SCHEMATHESIS_VERSION = '4.32.5';

const CACHE_DIRECTORY = join(homedir(), '.cache', 'stateset-voice', 'schemathesis');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}

function installedVersion(binary: string): string | undefined {
  if (!existsSync(binary)) return undefined;
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(result.stdout ?? '')?.[1];
}

/** Answers the path of the pinned schemathesis, installing it on first use. */
export function ensureSchemathesis(log: (line: string) => void): string {
  const environment = join(CACHE_DIRECTORY, `venv-${SCHEMATHESIS_VERSION}`);
  const binary = join(environment, 'bin', 'schemathesis');
  if (installedVersion(binary) === SCHEMATHESIS_VERSION) return binary;

  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${environment}`);
  mkdirSync(CACHE_DIRECTORY, { recursive: true });
  run('python3', ['-m', 'venv', '--clear', environment]);
  run(join(environment, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
  const version = installedVersion(binary);
  if (version !== SCHEMATHESIS_VERSION)
    throw new Error(
      `schemathesis installed as ${version ?? 'nothing'}, not ${SCHEMATHESIS_VERSION}`,
    );
  return binary;
}

export interface SchemathesisRun {
  binary: string;
  documentUrl: string;
  configFile: string;
  reportDirectory: string;
  /** Where schemathesis and hypothesis keep their caches (crashes to replay, examples). */
  workingDirectory: string;
  maxExamples: number;
  seed: number;
  workers: number;
  checks: readonly string[];
  phases: readonly string[];
}

/** Runs one document; its output goes to our stdout, its figures to the report directory. */
export function runSchemathesis(options: SchemathesisRun): Promise<number> {
  const args = [
    '--config-file',
    options.configFile,
    'run',
    options.documentUrl,
    '--checks',
    options.checks.join(','),
    '--phases',
    options.phases.join(','),
    '--max-examples',
    String(options.maxExamples),
    '--seed',
    String(options.seed),
    '--workers',
    String(options.workers),
    '--request-timeout',
    '20',
    '--no-color',
    '--report',
    'ndjson,junit',
    '--report-dir',
    options.reportDirectory,
  ];
  const child = spawn(options.binary, args, {
    cwd: options.workingDirectory,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
