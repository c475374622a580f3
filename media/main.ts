/** Entry point of the media bridge process. */
import { openDatabase } from '../db/database.js';
import { createOpenAIClient } from '../lib/clients.js';
import { loadConfigOrExit } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { applyServerTimeouts, createBoundedServer } from '../lib/server-timeouts.js';
import { connectClient } from '../lib/temporal.js';
import { startBridgeInstance } from './bridge-instance.js';
import { createCallControl } from './call-control.js';
import { createModelConnector } from './model-connection.js';
import { createMediaServer } from './server.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'media');

if (!config.database.url) {
  logger.fatal(
    'DATABASE_URL is required for the media bridge (npm start sets it for the embedded database)',
  );
  process.exit(78);
}
const db = openDatabase(
  {
    url: config.database.url,
    poolMax: config.database.poolMax,
    connectTimeoutMs: config.database.connectTimeoutMs,
  },
  logger,
);
const bridge = await startBridgeInstance({
  db,
  streamUrl: config.media.streamUrl,
  heartbeatMs: config.media.heartbeatMs,
  logger,
});

const temporal = await connectClient(config);
const server = createBoundedServer();
applyServerTimeouts(server, config.http);
const media = createMediaServer({
  server,
  maxMessageBytes: config.media.maxMessageBytes,
  maxBufferedBytes: config.media.maxBufferedBytes,
  startTimeoutMs: config.media.startTimeoutMs,
  streamUrl: config.media.streamUrl,
  authToken: () => config.twilio.authToken,
  control: createCallControl(temporal),
  models: createModelConnector(createOpenAIClient(config), config.openai.connectTimeoutMs),
  defaultModel: config.openai.realtimeModel,
  streamTokenSecret: config.media.streamTokenSecret,
  recorder: bridge.recorder,
  logger,
});
media.server.listen(config.media.port, config.listenHost, () =>
  logger.info(
    { port: config.media.port, bridgeInstanceId: bridge.instanceId },
    'media bridge listening',
  ),
);

async function shutDown(): Promise<void> {
  await media.close();
  await bridge.stop();
  await Promise.all([db.close(), temporal.connection.close()]);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutDown());
