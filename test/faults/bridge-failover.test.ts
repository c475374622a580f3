/**
 * The media bridge carrying a call is SIGKILLed mid-call. Twilio (the phone
 * simulator) goes on with the TwiML after `<Connect>`: it asks the api what
 * next, the call workflow hands it a second stream, the balancer sends that
 * stream to the bridge still alive, and the new model session is seeded with
 * the conversation so far. The caller says the sentence the failure cut off
 * again; the agent says its recovery line and the call goes on to its end:
 * one call, one record, with a gap. Prints how long the caller heard nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_NUMBER } from '../../scripts/stack.js';
import { demoScenario } from '../../simulators/realtime/index.js';
import { assertCompleteConversation } from '../e2e/call-record.js';
import {
  placeOutboundCall,
  problemLines,
  seconds,
  waitForEvaluatedCall,
} from '../support/fault-calls.js';
import { partyReadingSentences } from '../support/fixtures.js';
import { startProcessStack, type ProcessStack } from '../support/process-stack.js';
import type { ProductProcess } from '../support/product-process.js';
import { eventually, getJson } from '../support/stack.js';

const CALLEES = ['+15005550721', '+15005550722', '+15005550723'];
/** An inbound caller, so the inbound TwiML's way back is proved too. */
const STRANDED_CALLER = '+15005550729';
const RECOVERY_LINE = "Sorry about that, the line dropped for a moment. I'm back with you.";
/** The caller reads eight sentences; the agent looks the order up after the sixth. */
const TOOL_AFTER = 6;
const reading = partyReadingSentences(8, 1, { waitForReplyAfter: [TOOL_AFTER - 1] });
let stack: ProcessStack;

before(async () => {
  stack = await startProcessStack({
    label: 'bridge-failover',
    bridges: 2,
    parties: Object.fromEntries(CALLEES.map((callee) => [callee, reading.party])),
    scenario: demoScenario({ callerLines: reading.sentences, toolCallAfter: TOOL_AFTER }),
  });
});
after(() => stack?.stop());

/** The bridge whose log says it took the call's stream live. */
function bridgeCarrying(callId: string): ProductProcess {
  const carrying = stack.bridges.filter(
    (bridge) => bridge.isRunning && bridge.linesWith('media session live', { callId }).length > 0,
  );
  assert.equal(carrying.length, 1, 'one live bridge carries the call');
  return carrying[0] as ProductProcess;
}

async function callerTurnsSaved(callId: string): Promise<number> {
  const { body } = await getJson(stack, `/api/v1/call-logs/${callId}/transcript`);
  return (body?.data ?? []).filter((turn: any) => turn.role === 'caller').length;
}

for (const [run, callee] of CALLEES.entries()) {
  test(`a bridge killed mid-call (run ${run + 1}): the call resumes on the other bridge and completes as one record`, async (t) => {
    const callId = await placeOutboundCall(stack, callee);
    // Two sentences in, with the caller well into its third.
    await eventually(
      async () => ((await callerTurnsSaved(callId)) >= 2 ? true : undefined),
      120_000,
      'two caller turns saved',
    );
    const victim = await eventually(async () => bridgeCarrying(callId), 10_000, 'the bridge');
    const survivor = stack.bridges.find((bridge) => bridge !== victim && bridge.isRunning);
    assert.ok(survivor, 'another bridge is running');
    await new Promise((done) => setTimeout(done, 1_500));
    const killedAtMs = Date.now();
    await victim.kill('SIGKILL');

    let record: any;
    try {
      record = await waitForEvaluatedCall(stack, callId);
      // Every sentence once and in order (the cut one said again in full), the greeting once and
      // first, the tool once with one side effect, the goodbye last.
      assertCompleteConversation(stack, record, {
        sentences: reading.sentences,
        minDurationSec: 15,
      });
    } catch (error) {
      t.diagnostic(JSON.stringify({ transcript: record?.transcript, events: record?.events }));
      for (const line of problemLines(stack)) t.diagnostic(line);
      throw error;
    }
    const agentLines = record.transcript
      .filter((turn: any) => turn.role === 'agent')
      .map((turn: any) => turn.text);
    assert.equal(agentLines.filter((line: string) => line === RECOVERY_LINE).length, 1);
    assert.equal(agentLines.filter((line: string) => line.startsWith('Hello!')).length, 1);
    assert.equal(stack.tenantBackend.sideEffectsOf(callId), 1, 'one side effect');

    // One call with a gap: two streams, one lost between them, one end.
    const types = record.events.map((event: any) => event.type);
    const streams = record.events.filter((event: any) => event.type === 'media_connected');
    assert.equal(streams.length, 2, types.join(','));
    assert.equal(types.filter((type: string) => type === 'media_lost').length, 1);
    assert.equal(types.filter((type: string) => type === 'ended').length, 1);
    assert.ok(types.indexOf('media_lost') > types.indexOf('media_connected'));
    assert.ok(types.lastIndexOf('media_connected') > types.indexOf('media_lost'));
    const rows = await stack.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM calls WHERE call_sid = $1',
      [record.call_sid],
    );
    assert.equal(rows.rows[0]?.n, 1, 'one call row');

    // Twilio's side: one call, two streams; the second named stream 2 and opened on the survivor.
    const call = stack.phone.calls.get(record.call_sid);
    assert.ok(call);
    assert.equal(call.streams.length, 2);
    const [first, second] = call.streams;
    assert.equal(first?.endedBy, 'bridge');
    assert.equal(second?.customParameters.stream, '2');
    assert.equal(second?.endedBy, 'stop');
    assert.equal(
      survivor.linesWith('media session live again after a lost stream', { callId }).length,
      1,
    );
    const connectActions = call.webhooks.filter((hook) => hook.purpose === 'connect-action');
    assert.equal(connectActions.length, 1, 'Twilio asked once what next');
    assert.equal(connectActions[0]?.httpStatus, 200);

    // The replacement model session was told the conversation so far before any audio.
    const seeded = stack.model.sessions.filter((session) => session.earlierCallerTurns > 0);
    assert.ok(
      seeded.some((session) => session.earlierCallerTurns >= 2),
      'a seeded session',
    );

    // The voice sessions: the victim's is lost, the survivor's ended with the call.
    const sessions = (await getJson(stack, `/api/v1/voice-sessions?call_id=${callId}`)).body.data;
    assert.equal(sessions.length, 2);
    const byStream = new Map(sessions.map((session: any) => [session.stream_sid, session]));
    assert.equal((byStream.get(first?.streamSid) as any)?.status, 'lost');
    assert.equal((byStream.get(second?.streamSid) as any)?.status, 'ended');

    // What the caller lived through: the line went quiet, then the agent spoke again.
    const secondStartedAtMs = call.createdAt.getTime() + (second?.startedAtMs ?? Number.NaN);
    const agentBackAtMs = secondStartedAtMs + (second?.firstAgentMediaAtStreamMs ?? Number.NaN);
    t.diagnostic(
      `failover of a bridge: the new stream ${seconds(secondStartedAtMs - killedAtMs)} s after ` +
        `the SIGKILL, the recovery line's first audio ${seconds(agentBackAtMs - killedAtMs)} s after it`,
    );
    await victim.start();
  });
}

test('no bridge left: Twilio is handed a new stream a bounded number of times, then the caller hears the fallback', async () => {
  const placed = await stack.phone.placeInboundCall({
    accountSid: stack.config.twilio.accountSid,
    from: STRANDED_CALLER,
    to: DEMO_NUMBER,
    webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
    statusCallbackUrl: `${stack.apiUrl}/api/v1/call-status`,
    party: reading.party,
  });
  const callId = await eventually(
    async () =>
      (
        await stack.db.query<{ id: string }>('SELECT id FROM calls WHERE call_sid = $1', [
          placed.sid,
        ])
      ).rows[0]?.id,
    30_000,
    'the inbound call row',
  );
  await eventually(
    async () => ((await callerTurnsSaved(callId)) >= 1 ? true : undefined),
    120_000,
    'a caller turn saved',
  );
  const bridges = stack.bridges.filter((bridge) => bridge.isRunning);
  await Promise.all(bridges.map((bridge) => bridge.kill('SIGKILL')));

  const record = await eventually(
    async () => {
      const { status, body } = await getJson(stack, `/api/v1/call-logs/${callId}`);
      return status === 200 && body.ended_at ? body : undefined;
    },
    90_000,
    'the call to end',
  );
  await Promise.all(bridges.map((bridge) => bridge.start()));
  assert.equal(record.status, 'completed');
  assert.equal(record.end_reason, 'media_lost');
  assert.equal(record.outcome, 'failed');

  const call = stack.phone.calls.get(record.call_sid);
  assert.ok(call);
  // The first stream, then one per replacement the call hands out (three), each refused.
  assert.equal(call.streams.length, 4);
  assert.deepEqual(
    call.streams.map((stream) => stream.customParameters.stream ?? '1'),
    ['1', '2', '3', '4'],
  );
  const actions = call.webhooks.filter((hook) => hook.purpose === 'connect-action');
  assert.equal(actions.length, 4, 'asked after each stream, the last answered with a held line');
  // The workflow's own last move: the fallback message, by a REST update over the held line.
  const last = call.twimlDocuments.at(-1);
  assert.equal(last?.source, 'update');
  assert.match(last?.document ?? '', /technical difficulties/);
  const lost = record.events.filter((event: any) => event.type === 'media_lost');
  assert.equal(lost.length, 1, 'one gap: the replacements never connected');
});
