/**
 * PostgreSQL is stopped for a minute in the middle of a real call, then
 * started again. The live call goes on (audio both ways, the tool's answer
 * heard), the api answers 503 (polite TwiML to a new caller) without
 * crashing, and every write that failed lands once, after it is back. First,
 * the api's pool is exhausted by queries stuck on a lock (C15): 503s and
 * polite TwiML within the connect timeout, then a pool with nothing leaked.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DEMO_NUMBER } from '../../scripts/stack.js';
import { demoScenario } from '../../simulators/realtime/index.js';
import { callWorkflowId, inboundCallId } from '../../workflows/ids.js';
import {
  callHistory,
  gate,
  nthToolRequest,
  placeOutboundCall,
  seconds,
  wholeRecordAfterFault,
} from '../support/fault-calls.js';
import { partyReadingSentences } from '../support/fixtures.js';
import { startProcessStack, type ProcessStack } from '../support/process-stack.js';
import { getJson } from '../support/stack.js';

const CALLEE = '+15005550731';
const LATE_CALLER = '+15005550732';
const TOOL = 'check_order_status';
/** As long as the issue asks; the call reads 18 sentences (about 90 s) to outlast it. */
const OUTAGE_MS = 60_000;
/** Far below Twilio's 15 s and anything a client would wait. */
const OUTAGE_ANSWER_BOUND_MS = 8_000;
/** The api's pool, and how long a request waits for one of its clients (short, to keep the file quick). */
const API_POOL_MAX = 10;
const API_CONNECT_TIMEOUT_MS = 2_000;
/** The caller asks after its third sentence, and waits for the answer. */
const TOOL_AFTER = 3;
const reading = partyReadingSentences(9, 2, { waitForReplyAfter: [TOOL_AFTER - 1] });
let stack: ProcessStack;

before(async () => {
  stack = await startProcessStack({
    label: 'postgres-outage',
    parties: { [CALLEE]: reading.party },
    scenario: demoScenario({ callerLines: reading.sentences, toolCallAfter: TOOL_AFTER }),
    environment: {
      DB_POOL_MAX: String(API_POOL_MAX),
      DB_CONNECT_TIMEOUT_MS: String(API_CONNECT_TIMEOUT_MS),
    },
  });
});
after(() => stack?.stop());

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const startedAtMs = Date.now();
  const value = await work();
  return { value, ms: Date.now() - startedAtMs };
}

test('an exhausted pool answers 503 and polite TwiML within the connect timeout, and recovers with nothing leaked (C15)', async (t) => {
  // Every tenant request checks its key: with api_keys locked, each one holds a pool client.
  const locker = new pg.Client({ connectionString: stack.databaseUrl });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE');
  const stuck = Array.from({ length: API_POOL_MAX }, () =>
    timed(() => getJson(stack, '/api/v1/callbacks')),
  );
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  try {
    const refused = await timed(() => getJson(stack, '/api/v1/callbacks'));
    assert.equal(refused.value.status, 503);
    assert.equal(refused.value.body.error.code, 'dependency_unavailable');
    assert.ok(refused.ms < API_CONNECT_TIMEOUT_MS + 3_000, `503 in ${refused.ms} ms`);
    const inbound = await timed(() =>
      stack.phone.placeInboundCall({
        accountSid: stack.config.twilio.accountSid,
        from: LATE_CALLER,
        to: DEMO_NUMBER,
        webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
      }),
    );
    assert.match(inbound.value.twimlDocuments[0]?.document ?? '', /<Say>Sorry.*<Hangup\/>/);
    assert.ok(inbound.ms < API_CONNECT_TIMEOUT_MS + 3_000, `TwiML in ${inbound.ms} ms`);
    t.diagnostic(
      `pool exhausted: 503 in ${seconds(refused.ms)} s, polite TwiML in ${seconds(inbound.ms)} s`,
    );
  } finally {
    await locker.query('ROLLBACK');
    await locker.end();
  }

  // The stuck requests finish once the lock goes; every client went back to the pool.
  for (const request of await Promise.all(stuck)) assert.equal(request.value.status, 200);
  for (let i = 0; i < API_POOL_MAX * 3; i += 1) {
    const { value, ms } = await timed(() => getJson(stack, '/api/v1/callbacks'));
    assert.equal(value.status, 200);
    assert.ok(ms < API_CONNECT_TIMEOUT_MS, `request ${i} took ${ms} ms`);
  }
  assert.equal(stack.api.run, 1, 'the api never restarted');
});

test('PostgreSQL stopped for a minute mid-call: the call goes on, the api answers 503, and every write lands once it is back', async (t) => {
  // The outage starts while the tool's webhook runs: its record is the first write to fail.
  const held = gate();
  stack.tenantBackend.setTool(TOOL, { hold: held.promise });
  const callId = await placeOutboundCall(stack, CALLEE);
  await nthToolRequest(stack, 1);
  const phoneCall = await stack.phone.waitForCall((call) => call.to === CALLEE);
  const stream = phoneCall.stream;
  assert.ok(stream, 'the media stream is up');

  await stack.postgres.stop();
  const stoppedAtMs = Date.now();
  held.open();
  stack.tenantBackend.setTool(TOOL, {});
  const atStop = { utterances: stream.utterancesPlayed.length, agentBytes: stream.agentMediaBytes };

  // Meanwhile the api answers at once, and says why.
  const ready = await timed(() => getJson(stack, '/health/ready'));
  assert.equal(ready.value.status, 503);
  assert.equal(ready.value.body.checks.database, 'unavailable');
  assert.equal(ready.value.body.checks.temporal, 'ok');
  const logs = await timed(() => getJson(stack, `/api/v1/call-logs/${callId}`));
  assert.equal(logs.value.status, 503);
  assert.equal(logs.value.body.error.code, 'dependency_unavailable');
  assert.ok(logs.ms < OUTAGE_ANSWER_BOUND_MS, `call-logs answered in ${logs.ms} ms`);
  const inbound = await timed(() =>
    stack.phone.placeInboundCall({
      accountSid: stack.config.twilio.accountSid,
      from: LATE_CALLER,
      to: DEMO_NUMBER,
      webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
    }),
  );
  t.diagnostic(
    `during the outage: readiness in ${seconds(ready.ms)} s, call-logs 503 in ${seconds(logs.ms)} s, ` +
      `a new inbound call's polite TwiML in ${seconds(inbound.ms)} s`,
  );
  assert.equal(inbound.value.webhooks[0]?.httpStatus, 200);
  assert.match(inbound.value.twimlDocuments[0]?.document ?? '', /<Say>Sorry.*<Hangup\/>/);
  assert.ok(inbound.ms < OUTAGE_ANSWER_BOUND_MS, `inbound answered in ${inbound.ms} ms`);

  await new Promise((resolve) => setTimeout(resolve, stoppedAtMs + OUTAGE_MS - Date.now()));
  // The live call never noticed: the caller kept talking and the agent answered the tool.
  assert.ok(
    stream.utterancesPlayed.length >= atStop.utterances + 3,
    `the caller read on: ${atStop.utterances} then ${stream.utterancesPlayed.length} utterances`,
  );
  assert.ok(
    stream.agentMediaBytes > atStop.agentBytes,
    'the agent spoke (the tool answer) during the outage',
  );
  assert.equal(phoneCall.endedAt, null, 'the call is still up');
  await stack.postgres.start();
  t.diagnostic(`PostgreSQL down for ${seconds(Date.now() - stoppedAtMs)} s mid-call`);

  await wholeRecordAfterFault(stack, t, callId, {
    sentences: reading.sentences,
    minDurationSec: 60,
  });
  const evaluations = await stack.db.query('SELECT 1 FROM evaluations WHERE call_id = $1', [
    callId,
  ]);
  assert.equal(evaluations.rowCount, 1);

  // The writes failed and were retried by their activities, not lost.
  const retried = (await callHistory(stack, callId)).filter(
    (event) =>
      (event.kind === 'activityTaskStarted' || event.kind === 'markerRecorded') &&
      (event.attempt ?? 1) > 1,
  );
  assert.ok(retried.length >= 2, `retried writes: ${retried.length}`);

  // The caller who rang during the outage left nothing behind.
  const lateCallId = inboundCallId(inbound.value.sid);
  const lateRows = await stack.db.query('SELECT 1 FROM calls WHERE id = $1', [lateCallId]);
  assert.equal(lateRows.rowCount, 0);
  const client = await stack.temporal.client();
  await assert.rejects(
    client.workflow.getHandle(callWorkflowId(lateCallId)).describe(),
    WorkflowNotFoundError,
  );

  assert.equal((await getJson(stack, '/health/ready')).status, 200);
  for (const child of stack.processes()) {
    assert.ok(child.isRunning, `${child.name} stayed up`);
    assert.equal(child.run, 1, `${child.name} never restarted`);
  }
});
