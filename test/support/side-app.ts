/**
 * A second api app on the test stack's database, with its own view of Temporal: an address
 * nobody answers, or a gateway a test wraps. For tests of what the api does when Temporal fails.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app.js';
import { createCallGateway, type CallGateway } from '../../api/call-gateway.js';
import type { Config } from '../../lib/config.js';
import { connectClient } from '../../lib/temporal.js';
import type { Stack } from '../../scripts/stack.js';

export interface SideApp {
  url: string;
  close(): Promise<void>;
}

/** The stack's configuration with Temporal at an address nobody answers. */
export function unreachableTemporal(config: Config): Config {
  return {
    ...config,
    temporal: { ...config.temporal, address: '127.0.0.1:1', connectTimeoutMs: 500 },
  };
}

/** A gateway to the Temporal the configuration names, as the api builds it. */
export function gatewayFor(config: Config): CallGateway {
  return createCallGateway(() => connectClient(config), config.temporal.taskQueue);
}

export async function startSideApp(
  stack: Pick<Stack, 'db' | 'logger'>,
  config: Config,
  calls: CallGateway = gatewayFor(config),
): Promise<SideApp> {
  const app = createApp({ config, db: stack.db, calls, logger: stack.logger });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
