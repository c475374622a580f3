/**
 * The main job: start everything on embedded defaults, place a call whose
 * callee speaks a real recording, and print the call's record.
 *
 *   npm run demo               outbound call through POST /api/v1/make-call
 *   npm run demo -- --inbound  inbound call through a signed incoming-call webhook
 *   npm run demo -- --keep     leave everything running afterwards (Temporal UI)
 */
import { fileURLToPath } from 'node:url';
import { readWavAsMulaw } from '../simulators/audio.js';
import { inboundCallId } from '../workflows/ids.js';
import { printCallRecord } from './print-call.js';
import { DEMO_CALLEE, DEMO_NUMBER, freePort, isPortFree, startStack } from './stack.js';
import { relaunchTrustingSimulator } from './trusted-relaunch.js';

const DATA_DIRECTORY = '.data';
const RECORDING = fileURLToPath(
  new URL('../test/fixtures/audio/OSR_us_000_0034_8k.wav', import.meta.url),
);
const CALL_TIMEOUT_MS = 180_000;

await relaunchTrustingSimulator(DATA_DIRECTORY);

const inbound = process.argv.includes('--inbound');
const keep = process.argv.includes('--keep');
const startedAt = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);

const stack = await startStack({
  dataDirectory: DATA_DIRECTORY,
  databaseUrl: process.env.DATABASE_URL,
  temporalAddress: process.env.TEMPORAL_ADDRESS,
  temporalDbFile: `${DATA_DIRECTORY}/temporal.sqlite`,
  temporalPort: await freePort(),
  temporalUiPort: (await isPortFree(8_233)) ? 8_233 : await freePort(),
  log: (line) => say(`· ${line}`),
});
say(
  `· ready in ${((Date.now() - startedAt) / 1_000).toFixed(1)} s: api ${stack.apiUrl}, Temporal UI ${stack.temporal.uiUrl}`,
);

process.once('uncaughtException', (error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`);
  void stack.stop().finally(() => process.exit(1));
});

const party = {
  answer: 'answer' as const,
  audio: readWavAsMulaw(RECORDING),
  speech: 'polite' as const,
};
const callStartedAt = Date.now();
let callId: string;

if (inbound) {
  say(
    `· Twilio (simulated) posts a signed incoming-call webhook: ${DEMO_CALLEE} calls ${DEMO_NUMBER}`,
  );
  const call = await stack.phone.placeInboundCall({
    accountSid: stack.config.twilio.accountSid,
    from: DEMO_CALLEE,
    to: DEMO_NUMBER,
    webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
    statusCallbackUrl: `${stack.apiUrl}/api/v1/call-status`,
    party,
  });
  callId = inboundCallId(call.sid);
} else {
  stack.phone.setParty(DEMO_CALLEE, party);
  say(`· POST /api/v1/make-call: ${DEMO_NUMBER} calls ${DEMO_CALLEE}, who reads ten sentences`);
  const response = await fetch(`${stack.apiUrl}/api/v1/make-call`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.tenant.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': `demo-${callStartedAt}`,
    },
    body: JSON.stringify({ to: DEMO_CALLEE, from: DEMO_NUMBER, agent_key: stack.tenant.agentKey }),
  });
  const accepted = (await response.json()) as { call_id: string };
  if (response.status !== 202)
    throw new Error(`make-call answered ${response.status}: ${JSON.stringify(accepted)}`);
  callId = accepted.call_id;
}

const record = await waitForEvaluatedCall(callId).catch(async (error: unknown) => {
  await stack.stop();
  throw error;
});
printCallRecord(record, say);
say(
  `\ncall took ${((Date.now() - callStartedAt) / 1_000).toFixed(1)} s from request to evaluation`,
);

if (keep) {
  say(`everything keeps running; Temporal UI: ${stack.temporal.uiUrl} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}
await stack.stop();

async function waitForEvaluatedCall(id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + CALL_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${stack.apiUrl}/api/v1/call-logs/${id}`, {
      headers: { authorization: `Bearer ${stack.tenant.apiKey}` },
    });
    if (response.ok) {
      const record = (await response.json()) as Record<string, unknown>;
      const events = (record.events as Array<{ type: string }>) ?? [];
      if (
        record.evaluation ||
        (record.ended_at && events.some((e) => e.type === 'ended') && record.status !== 'completed')
      ) {
        return record;
      }
    }
    if (Date.now() > deadline)
      throw new Error(`the call ${id} did not finish in ${CALL_TIMEOUT_MS / 1_000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
