/**
 * Another api instance on the test stack: the same app, database and
 * Temporal, but its own public origin and another bridge instance's stream
 * URL in the TwiML it answers. A call placed through it streams to that
 * bridge instance.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app.js';
import { createCallGateway } from '../../api/call-gateway.js';
import { connectClient } from '../../lib/temporal.js';
import type { Stack } from '../../scripts/stack.js';

export interface ExtraApi {
  url: string;
  stop(): Promise<void>;
}

export async function startApiStreamingTo(stack: Stack, mediaStreamUrl: string): Promise<ExtraApi> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const config = {
    ...stack.config,
    api: { ...stack.config.api, publicUrl: url },
    media: { ...stack.config.media, streamUrl: mediaStreamUrl },
  };
  const client = connectClient(config);
  server.on(
    'request',
    createApp({
      config,
      db: stack.db,
      logger: stack.logger,
      calls: createCallGateway(() => client, config.temporal.taskQueue),
    }),
  );
  return {
    url,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await (await client).connection.close();
    },
  };
}
