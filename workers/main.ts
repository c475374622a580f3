/** Entry point of the worker process. */
import { openDatabase } from '../db/database.js';
import { createOpenAIClient, createTwilioClient } from '../lib/clients.js';
import { loadConfigOrExit } from '../lib/config.js';
import { createWorkerMetrics } from '../activities/metrics.js';
import { createLogger } from '../lib/logger.js';
import { createSecretBox, masterKeyId } from '../lib/secret-box.js';
import { applyServerTimeouts } from '../lib/server-timeouts.js';
import { connectWorker, installTemporalLogging } from '../lib/temporal.js';
import { createWorkerMetricsServer } from './metrics-server.js';
import { createCallWorker } from './worker.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'worker');
const temporalMetricsAddress = `127.0.0.1:${config.worker.temporalMetricsPort}`;
installTemporalLogging(logger, { metricsBindAddress: temporalMetricsAddress });

if (!config.database.url) {
  logger.fatal(
    'DATABASE_URL is required for the worker (npm start sets it for the embedded database)',
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
const keyId = masterKeyId(config.secretsMasterKey);
const metrics = createWorkerMetrics(db);
const metricsServer = createWorkerMetricsServer({
  registry: metrics.registry,
  temporalMetricsAddress,
});
applyServerTimeouts(metricsServer, config.http);
// Calls matter more than their metrics: a port already taken is reported, not fatal.
metricsServer.on('error', (error) => logger.error({ err: error.message }, 'worker metrics down'));
metricsServer.listen(config.worker.metricsPort, config.listenHost, () =>
  logger.info({ port: config.worker.metricsPort }, 'worker metrics listening'),
);

const worker = await createCallWorker({
  connection: await connectWorker(config),
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  workflowBundlePath: config.temporal.workflowBundlePath,
  dependencies: {
    db,
    twilio: createTwilioClient(config),
    openai: createOpenAIClient(config),
    secrets: createSecretBox({ [keyId]: config.secretsMasterKey }, keyId),
    publicUrl: config.api.publicUrl,
    streamUrl: config.media.streamUrl,
    streamTokenSecret: config.media.streamTokenSecret,
    evaluationModel: config.openai.evaluationModel,
    allowInsecureToolUrls: config.env !== 'production',
    metrics,
  },
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
await worker.run();
metricsServer.close();
await db.close();
