/**
 * The Temporal server goes away (SIGKILL). While it is gone, a new inbound
 * call hears a polite message at once and make-call answers 503 with
 * Retry-After, leaving nothing half-created. A call already in flight when it
 * is killed finishes, with its whole record, once it is back on the same file.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DEMO_NUMBER } from '../../scripts/stack.js';
import { demoScenario } from '../../simulators/realtime/index.js';
import { callWorkflowId, inboundCallId } from '../../workflows/ids.js';
import {
  placeOutboundCall,
  seconds,
  TEMPORAL_OUTAGE_MS,
  wholeRecordAfterFault,
} from '../support/fault-calls.js';
import { partyReadingSentences } from '../support/fixtures.js';
import { startProcessStack, type ProcessStack } from '../support/process-stack.js';
import { eventually, getJson, postJson } from '../support/stack.js';

const CALLER = '+15005550721';
const IN_FLIGHT_CALLEE = '+15005550722';
/** Twilio gives up on a webhook after 15 s; the polite answer must come well before. */
const INBOUND_ANSWER_BOUND_MS = 8_000;
/** The caller asks after its third sentence, and waits for the answer. */
const TOOL_AFTER = 3;
const reading = partyReadingSentences(8, 1, { waitForReplyAfter: [TOOL_AFTER - 1] });
let stack: ProcessStack;

before(async () => {
  stack = await startProcessStack({
    label: 'temporal-outage',
    parties: { [IN_FLIGHT_CALLEE]: reading.party },
    scenario: demoScenario({ callerLines: reading.sentences, toolCallAfter: TOOL_AFTER }),
  });
});
after(() => stack?.stop());

async function countCalls(): Promise<number> {
  const rows = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls');
  return rows.rows[0]?.n ?? -1;
}

test('with Temporal unreachable, an inbound call hears a polite message quickly and make-call answers 503, creating nothing', async (t) => {
  await stack.temporal.kill('SIGKILL');
  const callsBefore = await countCalls();

  const startedAtMs = Date.now();
  const inbound = await stack.phone.placeInboundCall({
    accountSid: stack.config.twilio.accountSid,
    from: CALLER,
    to: DEMO_NUMBER,
    webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
  });
  const answeredInMs = Date.now() - startedAtMs;
  t.diagnostic(`inbound webhook answered in ${seconds(answeredInMs)} s with Temporal down`);
  assert.equal(inbound.webhooks[0]?.httpStatus, 200);
  const twiml = inbound.twimlDocuments[0]?.document ?? '';
  assert.match(twiml, /<Say>Sorry, we cannot take your call right now\..*<\/Say><Hangup\/>/);
  assert.doesNotMatch(twiml, /<Stream/);
  assert.ok(answeredInMs < INBOUND_ANSWER_BOUND_MS, `answered in ${answeredInMs} ms`);

  const makeCallStartedAtMs = Date.now();
  const refused = await postJson(
    stack,
    '/api/v1/make-call',
    { to: '+15005550723', from: DEMO_NUMBER, agent_key: stack.tenant.agentKey },
    { 'idempotency-key': `outage-${randomBytes(4).toString('hex')}` },
  );
  t.diagnostic(`make-call answered in ${seconds(Date.now() - makeCallStartedAtMs)} s`);
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error.code, 'dependency_unavailable');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);

  const ready = await getJson(stack, '/health/ready');
  assert.equal(ready.status, 503);
  assert.equal(ready.body.checks.temporal, 'unavailable');
  assert.equal(ready.body.checks.database, 'ok');
  assert.equal(await countCalls(), callsBefore, 'no call row');
  const idempotencyRows = await stack.db.query('SELECT 1 FROM idempotency_keys');
  assert.equal(idempotencyRows.rowCount, 0, 'no idempotency key kept for a refused call');

  // Back on the same file: no workflow was started for either call, and the api is ready again.
  await stack.temporal.start();
  const client = await stack.temporal.client();
  await assert.rejects(
    client.workflow.getHandle(callWorkflowId(inboundCallId(inbound.sid))).describe(),
    WorkflowNotFoundError,
  );
  const calls = await client.workflow.count(`WorkflowKind = 'call'`);
  assert.equal(calls.count, 0, 'no call workflow');
  await eventually(
    async () => ((await getJson(stack, '/health/ready')).status === 200 ? true : undefined),
    30_000,
    'readiness once Temporal is back',
  );
  assert.ok(stack.api.isRunning, 'the api never went down');
});

test('the Temporal server SIGKILLed mid-call and restarted on its file: the call finishes with its whole record', async (t) => {
  const callId = await placeOutboundCall(stack, IN_FLIGHT_CALLEE);
  // After the tool ran: the outage falls between the tool's answer and the goodbye.
  await eventually(
    async () => {
      const { body } = await getJson(stack, `/api/v1/call-logs/${callId}/function-calls`);
      return (body?.data?.length ?? 0) >= 1 ? true : undefined;
    },
    90_000,
    'the tool call recorded',
  );

  const killedAtMs = Date.now();
  await stack.temporal.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, TEMPORAL_OUTAGE_MS));
  await stack.temporal.start();
  const restartedAtMs = Date.now();
  t.diagnostic(`Temporal down for ${seconds(restartedAtMs - killedAtMs)} s mid-call`);

  const record = await wholeRecordAfterFault(stack, t, callId, {
    sentences: reading.sentences,
    minDurationSec: 15,
  });
  // The outage really covered the conversation: turns that ended while the server was away.
  const duringOutage = record.transcript.filter((turn: any) => {
    const endedAtMs = Date.parse(turn.ended_at);
    return endedAtMs > killedAtMs && endedAtMs < restartedAtMs;
  });
  t.diagnostic(`${duringOutage.length} turns ended while Temporal was down`);
  assert.ok(duringOutage.length >= 1, 'at least one turn ended during the outage');
  for (const child of stack.processes()) assert.ok(child.isRunning, `${child.name} stayed up`);
});
