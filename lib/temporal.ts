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

type SdkLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The SDK's level matching our logger's, so the SDK builds no line our logger would drop. */
export function sdkLogLevel(level: string): SdkLogLevel {
  if (level === 'trace' || level === 'debug') return 'DEBUG';
  if (level === 'info') return 'INFO';
  if (level === 'warn') return 'WARN';
  return 'ERROR';
}

export interface TemporalTelemetryOptions {
  level?: SdkLogLevel;
  /** host:port for the SDK's own Prometheus exporter (worker and client metrics); none when absent. */
  metricsBindAddress?: string;
}

/**
 * Routes the Temporal SDK's own logs (worker state, activity failures, workflow `log` calls)
 * into our structured logger, and starts the SDK's Prometheus
 * exporter when asked. Call once per process, before any worker exists.
 */
export function installTemporalLogging(
  logger: PinoLogger,
  options: TemporalTelemetryOptions = {},
): void {
  const level = options.level ?? sdkLogLevel(logger.level);
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
    // The native core's own lines (WARN and up) stay on stderr: forwarding them here holds the
    // process open until the runtime shuts down, which a worker that never closes its connection
    // never does.
    telemetryOptions: options.metricsBindAddress
      ? { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } }
      : undefined,
  });
}
