/** Connections to Temporal, with a bounded connect time so callers can answer 503. */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';
import type { Config } from './config.js';

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({
    address: config.temporal.address,
    connectTimeout: config.temporal.connectTimeoutMs,
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporal.address });
}

/**
 * Routes the Temporal SDK's own logs (worker state, activity failures, workflow
 * `log` calls) into our structured logger. Call once, before any worker exists.
 */
export function installTemporalLogging(
  logger: PinoLogger,
  level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'INFO',
): void {
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...entry.meta };
      // Activity failures carry the full error object; keep its message, not its internals.
      if (fields.error instanceof Error) fields.error = fields.error.message;
      const method =
        entry.level === 'ERROR'
          ? 'error'
          : entry.level === 'WARN'
            ? 'warn'
            : entry.level === 'INFO'
              ? 'info'
              : 'debug';
      sdkLogger[method](fields, entry.message);
    }),
  });
}
