/** Every activity the call workflow uses, built from its dependencies. */
import type OpenAI from 'openai';
import type { Twilio } from 'twilio';
import type { Database } from '../db/database.js';
import type { SecretBox } from '../lib/secret-box.js';
import { createCallbackActivities } from './callbacks.js';
import { createDatabaseActivities } from './database.js';
import { createEvaluationActivities } from './evaluation.js';
import { createHandoffActivities } from './handoff.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
import { createNotificationActivities } from './notifications.js';
import { createTelephonyActivities } from './telephony.js';
import { createToolActivities } from './tools.js';

export interface ActivityDependencies {
  db: Database;
  twilio: Twilio;
  openai: OpenAI;
  secrets: SecretBox;
  publicUrl: string;
  streamUrl: string;
  streamTokenSecret: string;
  evaluationModel: string;
  allowInsecureToolUrls: boolean;
  /** The worker's metrics registry; a fresh one when absent. */
  metrics?: WorkerMetrics;
}

export function createActivities(deps: ActivityDependencies) {
  const metrics = deps.metrics ?? createWorkerMetrics(deps.db);
  return {
    ...createDatabaseActivities(deps.db, metrics),
    ...createTelephonyActivities(deps),
    ...createToolActivities({
      db: deps.db,
      secrets: deps.secrets,
      allowInsecureUrls: deps.allowInsecureToolUrls,
      metrics,
    }),
    ...createEvaluationActivities({
      db: deps.db,
      openai: deps.openai,
      model: deps.evaluationModel,
      metrics,
    }),
    ...createCallbackActivities(deps.db),
    ...createHandoffActivities({ db: deps.db, twilio: deps.twilio, publicUrl: deps.publicUrl }),
    ...createNotificationActivities({
      db: deps.db,
      secrets: deps.secrets,
      allowInsecureUrls: deps.allowInsecureToolUrls,
      metrics,
    }),
  };
}

export type CallActivities = ReturnType<typeof createActivities>;
