/**
 * A worker process is SIGKILLed in the middle of a real call, three ways:
 * while a tool's webhook runs, while the evaluation waits for the judge, and
 * between steps (no activity running, the workflow in its cache). Another
 * worker carries on each time and the call completes with its whole record;
 * the tool's side effect happens once. Prints how long each failover took.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { demoScenario } from '../../simulators/realtime/index.js';
import {
  activityCompletion,
  callHistory,
  gate,
  nthToolRequest,
  placeOutboundCall,
  seconds,
  wholeRecordAfterFault,
  workerHoldingWorkflow,
  workerRunningActivity,
} from '../support/fault-calls.js';
import { partyReadingSentences } from '../support/fixtures.js';
import { startProcessStack, workerIdentity, type ProcessStack } from '../support/process-stack.js';
import type { ProductProcess } from '../support/product-process.js';
import { eventually, getJson } from '../support/stack.js';

const CALLEES = ['+15005550711', '+15005550712', '+15005550713'];
const TOOL = 'check_order_status';
// The tool is called after the third sentence: five more leave time for its failover.
/** The caller asks after its third sentence, and waits for the answer. */
const TOOL_AFTER = 3;
const reading = partyReadingSentences(8, 1, { waitForReplyAfter: [TOOL_AFTER - 1] });
let stack: ProcessStack;

before(async () => {
  stack = await startProcessStack({
    label: 'worker-failover',
    workers: 2,
    parties: Object.fromEntries(CALLEES.map((callee) => [callee, reading.party])),
    scenario: demoScenario({ callerLines: reading.sentences, toolCallAfter: TOOL_AFTER }),
  });
});
after(() => stack?.stop());

function otherWorker(killed: ProductProcess): ProductProcess {
  const other = stack.workers.find((worker) => worker !== killed && worker.isRunning);
  assert.ok(other, 'another worker is running');
  return other;
}

async function assertWholeRecord(t: TestContext, callId: string): Promise<any> {
  const record = await wholeRecordAfterFault(stack, t, callId, {
    sentences: reading.sentences,
    minDurationSec: 15,
  });
  const rows = await stack.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM evaluations WHERE call_id = $1',
    [callId],
  );
  assert.equal(rows.rows[0]?.n, 1, 'one evaluation');
  return record;
}

function report(t: TestContext, what: string, failoverMs: number): void {
  t.diagnostic(`failover ${what}: ${seconds(failoverMs)} s from SIGKILL`);
}

test('a worker killed while a tool runs: another retries it with the same Idempotency-Key and the side effect happens once', async (t) => {
  const held = gate();
  stack.tenantBackend.setTool(TOOL, { hold: held.promise });
  const requestsBefore = stack.tenantBackend.requests.length;
  const callId = await placeOutboundCall(stack, CALLEES[0] as string);

  const first = await nthToolRequest(stack, requestsBefore + 1);
  assert.equal(first.callId, callId);
  const victim = await workerRunningActivity(stack, callId, 'runTool');
  const survivor = otherWorker(victim);
  const killedAtMs = Date.now();
  await victim.kill('SIGKILL');
  held.open();

  const retry = await nthToolRequest(stack, requestsBefore + 2);
  report(t, 'of a running tool', retry.receivedAtMs - killedAtMs);
  assert.equal(retry.idempotencyKey, first.idempotencyKey);
  assert.ok(retry.idempotencyKey.startsWith(`${callId}:`), retry.idempotencyKey);
  assert.ok(retry.signatureValid);
  stack.tenantBackend.setTool(TOOL, {});
  await victim.start();

  const record = await assertWholeRecord(t, callId);
  assert.equal(stack.tenantBackend.sideEffectsOf(callId), 1, 'one side effect');
  const toolRequests = stack.tenantBackend.requests.filter((request) => request.callId === callId);
  assert.equal(toolRequests.length, 2, 'the first attempt and its one retry');
  const lookups = record.function_calls.filter((call: any) => call.name === TOOL);
  assert.equal(lookups.length, 1, 'one function_calls row');

  // The retry ran on the survivor: Temporal records the attempt's worker.
  const completion = activityCompletion(await callHistory(stack, callId), 'runTool');
  assert.equal(completion?.identity, workerIdentity(survivor.pid));
  assert.equal(completion?.attempt, 2);
});

test('a worker killed between steps: another replays the call and carries on', async (t) => {
  const callId = await placeOutboundCall(stack, CALLEES[1] as string);
  await eventually(
    async () => {
      const { body } = await getJson(stack, `/api/v1/call-logs/${callId}/transcript`);
      return (body?.data?.length ?? 0) >= 2 ? true : undefined;
    },
    90_000,
    'the first turns saved',
  );
  // Between turns: nothing is running, the workflow sits in the cache of the worker that ran it.
  const victim = await workerHoldingWorkflow(stack, callId);
  const survivor = otherWorker(victim);
  const killedAtMs = Date.now();
  await victim.kill('SIGKILL');

  const takenOver = await eventually(
    async () =>
      (await callHistory(stack, callId)).find(
        (event) =>
          event.kind === 'workflowTaskCompleted' &&
          event.atMs > killedAtMs &&
          event.identity === workerIdentity(survivor.pid),
      ),
    90_000,
    'the survivor to run the workflow',
  );
  report(t, 'between steps', takenOver.atMs - killedAtMs);
  const history = await callHistory(stack, callId);
  const firstWork = history.find((event) => event.atMs > killedAtMs);
  if (firstWork) {
    t.diagnostic(
      `the first work after the kill (${firstWork.kind}) came ${seconds(firstWork.atMs - killedAtMs)} s ` +
        `after it; the survivor finished it ${seconds(takenOver.atMs - firstWork.atMs)} s later`,
    );
  }
  t.diagnostic(
    history
      .filter((event) => event.atMs > killedAtMs && event.atMs <= takenOver.atMs)
      .map((event) => `${event.kind}+${event.atMs - killedAtMs}`)
      .join(' '),
  );
  await victim.start();

  await assertWholeRecord(t, callId);
});

test('a worker killed while the evaluation runs: another runs it again and stores it once', async (t) => {
  const held = gate();
  stack.model.holdChatCompletions(held.promise);
  const chatsBefore = stack.model.chatRequests.length;
  const callId = await placeOutboundCall(stack, CALLEES[2] as string);

  await eventually(
    async () => (stack.model.chatRequests.length > chatsBefore ? true : undefined),
    120_000,
    'the judge to be asked',
  );
  const victim = await workerRunningActivity(stack, callId, 'evaluateCall');
  const survivor = otherWorker(victim);
  const killedAtMs = Date.now();
  await victim.kill('SIGKILL');
  held.open();
  stack.model.holdChatCompletions(undefined);

  await eventually(
    async () => (stack.model.chatRequests.length > chatsBefore + 1 ? true : undefined),
    180_000,
    'the judge to be asked again',
  );
  report(t, 'of the evaluation', Date.now() - killedAtMs);
  await victim.start();

  const record = await assertWholeRecord(t, callId);
  assert.equal(record.evaluation.passed, true);
  const completion = activityCompletion(await callHistory(stack, callId), 'evaluateCall');
  assert.equal(completion?.identity, workerIdentity(survivor.pid));
  assert.equal(completion?.attempt, 2);
});
