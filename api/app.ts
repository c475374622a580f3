/** The Express application: Twilio's routes first (raw bodies), then the JSON API. */
import express, { Router, type Express } from 'express';
import type { Database } from '../db/database.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { PayloadTooLargeError } from '../lib/errors.js';
import { secretBoxFromConfig } from '../lib/secret-box.js';
import { adminRouter } from './admin/router.js';
import { refuseDeclaredOversize } from './body-limit.js';
import type { CallGateway } from './call-gateway.js';
import { callsRouter } from './calls/router.js';
import { docsRouter } from './docs.js';
import { healthRouter } from './health.js';
import { createApiMetrics, observeRequests, serveMetrics, type ApiMetrics } from './metrics.js';
import { notificationOperations } from './notifications/operations.js';
import { mountTenantOperations } from './operator/operation.js';
import { operatorOperations } from './operator/operations.js';
import { assignRequestId, notFoundHandler, renderErrors } from './http.js';
import { buildApiDocuments } from './openapi/documents.js';
import { createRequestLimits, limitRequestsPerAddress } from './rate-limits.js';
import { twilioAuthTokens } from './twilio/account-tokens.js';
import { twilioRouter, TWILIO_WEBHOOK_PATHS } from './twilio/router.js';
import { voiceSessionOperations } from './voice-sessions/operations.js';

export interface ApiDependencies {
  config: Config;
  db: Database;
  calls: CallGateway;
  logger: Logger;
  /** This api's metrics registry; a fresh one when absent. */
  metrics?: ApiMetrics;
}

const API_PREFIX = '/api/v1';
const WEBHOOK_ROUTES = new Set(TWILIO_WEBHOOK_PATHS.map((path) => `${API_PREFIX}${path}`));

export function createApp(deps: ApiDependencies): Express {
  const { config } = deps;
  const secrets = secretBoxFromConfig(config);
  const app = express();
  app.disable('x-powered-by');
  app.use(assignRequestId);
  const metrics = deps.metrics ?? createApiMetrics();
  app.get('/metrics', serveMetrics(metrics));
  app.use(observeRequests(metrics, (route) => WEBHOOK_ROUTES.has(route)));

  app.use(
    API_PREFIX,
    twilioRouter({
      db: deps.db,
      calls: deps.calls,
      logger: deps.logger,
      publicUrl: config.api.publicUrl,
      streamUrl: config.media.streamUrl,
      streamTokenSecret: config.media.streamTokenSecret,
      authTokens: twilioAuthTokens(deps.db, secrets, config.twilio),
      maxBodyBytes: config.api.maxWebhookBodyBytes,
    }),
  );

  // Twilio's webhooks above come from Twilio's many addresses; everything below is limited.
  app.use(limitRequestsPerAddress(createRequestLimits(config.api.requestsPerMinutePerAddress)));
  app.use(
    docsRouter(buildApiDocuments(config.api.publicUrl), {
      includeAdmin: config.adminApiKey !== undefined,
    }),
  );
  const maxJsonBytes = config.api.maxJsonBodyBytes;
  app.use(
    refuseDeclaredOversize(maxJsonBytes, (_, next) => next(new PayloadTooLargeError(maxJsonBytes))),
  );
  app.use(express.json({ limit: maxJsonBytes }));
  app.use(
    `${API_PREFIX}/admin`,
    adminRouter({ db: deps.db, secrets, logger: deps.logger, adminApiKey: config.adminApiKey }),
  );
  app.use(
    API_PREFIX,
    callsRouter({
      db: deps.db,
      calls: deps.calls,
      temporalUiUrl: config.temporal.uiUrl,
      namespace: config.temporal.namespace,
      logger: deps.logger,
    }),
  );
  app.use(API_PREFIX, operatorRouter(deps, secrets));
  app.use('/health', healthRouter(deps));

  app.use(notFoundHandler());
  app.use(renderErrors(deps.logger));
  return app;
}

/** Operator queues, callback tasks, event webhooks and voice sessions, mounted from their descriptions. */
function operatorRouter(
  deps: ApiDependencies,
  secrets: ReturnType<typeof secretBoxFromConfig>,
): Router {
  const router = Router();
  mountTenantOperations(
    router,
    {
      db: deps.db,
      calls: deps.calls,
      secrets,
      temporalUiUrl: deps.config.temporal.uiUrl,
      namespace: deps.config.temporal.namespace,
    },
    [...operatorOperations, ...notificationOperations, ...voiceSessionOperations],
  );
  return router;
}
