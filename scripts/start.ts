/**
 * `npm start`: everything on one machine (embedded PostgreSQL, Temporal dev
 * server with its UI, the simulators, api, media bridge and worker) until
 * Ctrl-C. Prints where each part is and a demo tenant key to try the API.
 */
import { DEMO_CALLEE, DEMO_NUMBER, freePort, isPortFree, startStack } from './stack.js';
import { relaunchTrustingSimulator } from './trusted-relaunch.js';

const DATA_DIRECTORY = '.data';
await relaunchTrustingSimulator(DATA_DIRECTORY);

const say = (line: string) => process.stdout.write(`${line}\n`);
const stack = await startStack({
  dataDirectory: DATA_DIRECTORY,
  databaseUrl: process.env.DATABASE_URL,
  temporalAddress: process.env.TEMPORAL_ADDRESS,
  temporalDbFile: `${DATA_DIRECTORY}/temporal.sqlite`,
  temporalPort: (await isPortFree(7_233)) ? 7_233 : await freePort(),
  temporalUiPort: (await isPortFree(8_233)) ? 8_233 : await freePort(),
  apiPort: (await isPortFree(3_000)) ? 3_000 : await freePort(),
  logLevel: 'info',
  adminApiKey: process.env.ADMIN_API_KEY,
  log: (line) => say(`· ${line}`),
});

say(`
StateSet Voice is running on simulators (no Twilio or OpenAI account needed).

  API           ${stack.apiUrl}/api/v1
  Temporal UI   ${stack.temporal.uiUrl}
  media bridge  ${stack.mediaUrl}
  health        ${stack.apiUrl}/health/ready
  metrics       ${stack.metricsUrls.api} (api), ${stack.metricsUrls.bridge} (bridge),
                ${stack.metricsUrls.worker} (worker)

Demo tenant key (shown once): ${stack.tenant.apiKey}

Place a call (the simulated callee answers and stays silent):
  curl -s -X POST ${stack.apiUrl}/api/v1/make-call \\
    -H 'authorization: Bearer ${stack.tenant.apiKey}' -H 'content-type: application/json' \\
    -d '{"to":"${DEMO_CALLEE}","from":"${DEMO_NUMBER}","agent_key":"${stack.tenant.agentKey}"}'

Ctrl-C stops everything.`);

await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
await stack.stop();
