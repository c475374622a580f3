/** The Express application: Twilio's routes first (raw bodies), then the JSON API. */
import express, { type Express } from 'express';
import type { Database } from '../db/database.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import type { CallGateway } from './call-gateway.js';
import { callsRouter } from './calls/router.js';
import { healthRouter } from './health.js';
import { assignRequestId, notFoundHandler, renderErrors } from './http.js';
import { twilioRouter } from './twilio/router.js';

export interface ApiDependencies {
  config: Config;
  db: Database;
  calls: CallGateway;
  logger: Logger;
}

const MAX_JSON_BYTES = 64 * 1_024;

export function createApp(deps: ApiDependencies): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(assignRequestId);

  app.use(
    '/api/v1',
    twilioRouter({
      db: deps.db,
      calls: deps.calls,
      logger: deps.logger,
      publicUrl: config.api.publicUrl,
      streamUrl: config.media.streamUrl,
      streamTokenSecret: config.media.streamTokenSecret,
      authToken: () => config.twilio.authToken,
    }),
  );

  app.use(express.json({ limit: MAX_JSON_BYTES }));
  app.use(
    '/api/v1',
    callsRouter({
      db: deps.db,
      calls: deps.calls,
      temporalUiUrl: config.temporal.uiUrl,
      namespace: config.temporal.namespace,
    }),
  );
  app.use('/health', healthRouter(deps));

  app.use(notFoundHandler());
  app.use(renderErrors(deps.logger));
  return app;
}
