/** Entry point of the API process. */
import { openDatabase } from '../db/database.js';
import { migrateDatabase } from '../db/migrate.js';
import { loadConfigOrExit } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { applyServerTimeouts, createBoundedServer } from '../lib/server-timeouts.js';
import { connectClient } from '../lib/temporal.js';
import { createApp } from './app.js';
import { createCallGateway } from './call-gateway.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'api');

if (!config.database.url) {
  logger.fatal(
    'DATABASE_URL is required for the api (npm start sets it for the embedded database)',
  );
  process.exit(78);
}
await migrateDatabase(config.database.url, logger);
const db = openDatabase(
  {
    url: config.database.url,
    poolMax: config.database.poolMax,
    connectTimeoutMs: config.database.connectTimeoutMs,
  },
  logger,
);
const calls = createCallGateway(
  () => connectClient(config),
  config.temporal.taskQueue,
  config.temporal.requestTimeoutMs,
);
const server = createBoundedServer(createApp({ config, db, calls, logger }));
applyServerTimeouts(server, config.http);
server.listen(config.api.port, config.listenHost, () => {
  logger.info({ port: config.api.port, publicUrl: config.api.publicUrl }, 'api listening');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void db.close());
  });
}
