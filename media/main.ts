/** Entry point of the media bridge process. */
import { createOpenAIClient } from '../lib/clients.js';
import { loadConfigOrExit } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { connectClient } from '../lib/temporal.js';
import { createCallControl } from './call-control.js';
import { createModelConnector } from './model-connection.js';
import { createMediaServer } from './server.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'media');

const media = createMediaServer({
  streamUrl: config.media.streamUrl,
  authToken: () => config.twilio.authToken,
  control: createCallControl(await connectClient(config)),
  models: createModelConnector(createOpenAIClient(config), config.openai.connectTimeoutMs),
  defaultModel: config.openai.realtimeModel,
  streamTokenSecret: config.media.streamTokenSecret,
  logger,
});
media.server.listen(config.media.port, config.listenHost, () =>
  logger.info({ port: config.media.port }, 'media bridge listening'),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void media.close());
