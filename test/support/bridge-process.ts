/**
 * A second media bridge as its own process: media/main.ts run exactly as in
 * production, configured from the test stack (same database or another URL,
 * same Temporal, same simulators) on a port and stream URL of its own. Tests
 * stop it gracefully or SIGKILL it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, type Stack } from '../../scripts/stack.js';
import { ensureSimulatorCertificate } from '../../simulators/tls.js';
import { eventually } from './stack.js';

export interface BridgeProcess {
  pid: number;
  streamUrl: string;
  /** Its row in bridge_instances. */
  instanceId: string;
  /** Every JSON log line it wrote, parsed. */
  logs: Array<Record<string, any>>;
  /** SIGKILL: no close, no last writes, no `stopped_at`. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful close. */
  stop(): Promise<void>;
}

export interface BridgeProcessOptions {
  heartbeatMs: number;
  /** The database the bridge writes to; the stack's when absent. */
  databaseUrl?: string;
}

function environmentFor(
  stack: Stack,
  port: number,
  streamUrl: string,
  options: BridgeProcessOptions,
) {
  const { config } = stack;
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    MEDIA_PORT: String(port),
    MEDIA_STREAM_URL: streamUrl,
    BRIDGE_HEARTBEAT_MS: String(options.heartbeatMs),
    STREAM_TOKEN_SECRET: config.media.streamTokenSecret,
    DATABASE_URL: options.databaseUrl ?? stack.databaseUrl,
    DB_CONNECT_TIMEOUT_MS: '1000',
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    TWILIO_ACCOUNT_SID: config.twilio.accountSid,
    TWILIO_AUTH_TOKEN: config.twilio.authToken,
    TWILIO_API_BASE_URL: config.twilio.apiBaseUrl,
    OPENAI_API_KEY: config.openai.apiKey,
    OPENAI_BASE_URL: config.openai.baseUrl,
    SECRETS_MASTER_KEY: config.secretsMasterKey.toString('hex'),
  };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startBridgeProcess(
  stack: Stack,
  options: BridgeProcessOptions,
): Promise<BridgeProcess> {
  const { certPath } = await ensureSimulatorCertificate(join('.data/test', 'simulator-tls'));
  const port = await freePort();
  const streamUrl = `ws://localhost:${port}/media-stream`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'media/main.ts'], {
    env: { ...environmentFor(stack, port, streamUrl, options), NODE_EXTRA_CA_CERTS: certPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, any>> = [];
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const gone = exited(child);

  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`the bridge exited: ${stderr.slice(-2_000)}`);
        return logs.some((line) => line.msg === 'media bridge listening') ? true : undefined;
      },
      60_000,
      'the bridge process to listen',
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const instanceId = String(
    logs.find((line) => line.msg === 'media bridge listening')?.bridgeInstanceId,
  );

  return {
    pid: child.pid ?? 0,
    streamUrl,
    instanceId,
    logs,
    async kill() {
      child.kill('SIGKILL');
      await gone;
    },
    async stop() {
      child.kill('SIGTERM');
      // A close that hangs is a failure to see, not to wait on forever.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
      if (child.signalCode === 'SIGKILL') throw new Error('the bridge did not close on SIGTERM');
    },
  };
}
