/**
 * The `openai` package only speaks TLS to its realtime endpoint, so processes
 * that talk to the local model simulator must trust its certificate from the
 * start (NODE_EXTRA_CA_CERTS is read once, at boot). This re-runs the current
 * script with it set, when it is not already.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ensureSimulatorCertificate } from '../simulators/tls.js';

export async function relaunchTrustingSimulator(dataDirectory: string): Promise<boolean> {
  const { certPath } = await ensureSimulatorCertificate(resolve(dataDirectory, 'simulator-tls'));
  if (process.env.NODE_EXTRA_CA_CERTS === certPath) return false;

  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((done) =>
    child.once('exit', (exitCode) => done(exitCode ?? 1)),
  );
  process.exit(code);
}
