/**
 * Finds the Temporal CLI (which holds the dev server and the Temporal UI):
 * an explicit path, then PATH, then our cache, then a Go build of its module
 * into the cache. Answers undefined when none works, so the caller can fall
 * back to the SDK's own download where the internet is reachable.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Newer releases carry a replace directive that `go install` refuses. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export function temporalCacheDirectory(environment: NodeJS.ProcessEnv): string {
  const base = environment.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'stateset-voice', 'bin');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return spawnSync(path, ['--version'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
  } catch {
    return false;
  }
}

function onPath(name: string, environment: NodeJS.ProcessEnv): string | undefined {
  for (const directory of (environment.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface FoundCli {
  path: string;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go build';
}

export function findTemporalCli(
  environment: NodeJS.ProcessEnv,
  log: (line: string) => void = () => undefined,
): FoundCli | undefined {
  const explicit = environment.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (isExecutable(explicit)) return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
    log(`TEMPORAL_CLI_PATH=${explicit} is not an executable Temporal CLI; looking elsewhere`);
  }

  const fromPath = onPath('temporal', environment);
  if (fromPath) return { path: fromPath, source: 'PATH' };

  const cacheDirectory = temporalCacheDirectory(environment);
  const cached = join(cacheDirectory, 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };

  const go = onPath('go', environment);
  if (go) {
    log(
      `building the Temporal CLI with Go (${TEMPORAL_CLI_MODULE}); this takes a few minutes once`,
    );
    mkdirSync(cacheDirectory, { recursive: true });
    const build = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
      env: { ...environment, GOBIN: cacheDirectory },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 20 * 60_000,
    });
    if (build.status === 0 && isExecutable(cached)) return { path: cached, source: 'go build' };
    log('the Go build of the Temporal CLI failed');
  }
  return undefined;
}
