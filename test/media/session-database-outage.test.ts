/**
 * The bridge loses PostgreSQL in the middle of a call (a bridge process
 * reaching the database through a proxy the test cuts): the call goes on to
 * its normal end untouched, the bridge logs one warning for it (not one per
 * change), and once the database is back the session's final state lands,
 * with the time the call really ended.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Stack } from '../../scripts/stack.js';
import type { ResponsePlan } from '../../simulators/realtime/index.js';
import { inboundCallId } from '../../workflows/ids.js';
import { addAgentVersion, finishedCall, scriptedAgent } from '../conversation/support.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { startApiStreamingTo, type ExtraApi } from '../support/extra-api.js';
import { eventually, getJson, startTestStack } from '../support/stack.js';
import { startTcpProxy, targetOf, throughProxy, type TcpProxy } from '../support/tcp-proxy.js';

const HEARTBEAT_MS = 500;
const WRITES_FAILING =
  'voice session writes failing: keeping the latest states in memory and retrying';
const HEARTBEAT_FAILING =
  'bridge heartbeat failing: this instance will look gone until it recovers';

let stack: Stack;
let proxy: TcpProxy;
let bridge: BridgeProcess;
let api: ExtraApi;

before(async () => {
  stack = await startTestStack({ bridgeHeartbeatMs: HEARTBEAT_MS });
  proxy = await startTcpProxy(targetOf(stack.databaseUrl));
  bridge = await startBridgeProcess(stack, {
    heartbeatMs: HEARTBEAT_MS,
    databaseUrl: throughProxy(stack.databaseUrl, proxy),
  });
  api = await startApiStreamingTo(stack, bridge.streamUrl);
});
after(async () => {
  await api?.stop();
  await bridge?.stop().catch(() => bridge.kill());
  await proxy?.close();
  await stack?.stop();
});

interface SessionRow {
  id: string;
  state: string;
  ended_at: Date | null;
  end_reason: string | null;
}

async function storedSession(callId: string): Promise<SessionRow | undefined> {
  const { rows } = await stack.db.query<SessionRow>(
    'SELECT id, state, ended_at, end_reason FROM voice_sessions WHERE call_id = $1',
    [callId],
  );
  return rows[0];
}

const logsSaying = (message: string) => bridge.logs.filter((line) => line.msg === message);

test('a database outage during a call leaves the call alone; the final state lands once the database is back', async (t) => {
  const followUps: ResponsePlan[] = [
    {
      items: [
        { say: 'It has shipped. Goodbye!', durationMs: 1_500 },
        { call: 'end_call', arguments: {} },
      ],
    },
  ];
  stack.model.setScenario(
    scriptedAgent({
      afterUtterance: (index) =>
        index === 0
          ? { items: [{ say: 'Certainly, let me help with your order.', durationMs: 1_500 }] }
          : { items: [{ call: 'check_order_status', arguments: { order_id: 'A-1001' } }] },
      onFollowUp: () => followUps.shift(),
    }),
  );
  stack.tenantBackend.setTool('check_order_status', { delayMs: 1_000 });
  const version = await addAgentVersion(stack, {
    greeting: 'Hello, you are through to the order line. How can I help?',
  });
  const call = await stack.phone.placeInboundCall({
    accountSid: stack.config.twilio.accountSid,
    from: `+1500556${String(randomInt(100_000, 999_999))}`,
    to: version.phoneNumber,
    webhookUrl: `${api.url}/api/v1/incoming-call`,
    statusCallbackUrl: `${api.url}/api/v1/call-status`,
    party: {
      answer: 'answer',
      script: [
        { when: { agentSilentForMs: 1_000 }, speakMs: 800 },
        { when: { agentSilentForMs: 1_000 }, speakMs: 700 },
      ],
    },
  });
  const callId = inboundCallId(call.sid);

  // The greeting is recorded; then the bridge loses its database for the rest of the call.
  await eventually(
    async () => ((await storedSession(callId))?.state === 'greeting' ? true : undefined),
    60_000,
    'the greeting to be recorded',
  );
  proxy.cut();
  const { summary, record } = await finishedCall(stack, callId, version);

  // The call did not notice.
  assert.equal(summary.outcome, 'completed');
  assert.equal(summary.endReason, 'agent_ended_call');
  assert.deepEqual(
    record.function_calls.map((fc: any) => [fc.name, fc.status]),
    [
      ['check_order_status', 'succeeded'],
      ['end_call', 'succeeded'],
    ],
  );
  assert.equal(record.transcript.at(-1).text, 'It has shipped. Goodbye!');
  const callEndedAt = Date.now();

  // Nothing reached the database meanwhile, and the session looks lost: its instance is silent.
  const during = await storedSession(callId);
  assert.equal(during?.state, 'greeting');
  assert.equal(during?.ended_at, null);
  const { body: seenDuring } = await getJson(stack, `/api/v1/voice-sessions/${during?.id}`);
  assert.equal(seenDuring.status, 'lost');
  assert.equal(
    logsSaying(WRITES_FAILING).length,
    1,
    'one warning for the outage, not one per change',
  );
  assert.equal(logsSaying(HEARTBEAT_FAILING).length, 1);

  // The database comes back: the final state lands, with the time the call ended.
  const restoredAt = Date.now();
  proxy.restore();
  const landed = await eventually(
    async () => {
      const row = await storedSession(callId);
      return row?.ended_at ? { row, afterMs: Date.now() - restoredAt } : undefined;
    },
    30_000,
    'the final state to land',
  );
  t.diagnostic(`the final state landed ${landed.afterMs} ms after the database came back`);
  assert.equal(landed.row.state, 'ended');
  assert.equal(landed.row.end_reason, 'agent_ended_call');
  assert.ok(
    landed.row.ended_at && landed.row.ended_at.getTime() <= callEndedAt,
    'ended_at is when the stream ended, not when the write landed',
  );
  assert.equal(logsSaying('voice session writes recovered').length, 1);
  await eventually(
    async () => (logsSaying('bridge heartbeat recovered').length === 1 ? true : undefined),
    10_000,
    'the heartbeat to recover',
  );
  // Nothing else complained, except the pool noticing its idle connections die (once each).
  const otherWarnings = bridge.logs.filter(
    (line) =>
      line.level >= 40 &&
      ![WRITES_FAILING, HEARTBEAT_FAILING, 'idle database client failed'].includes(line.msg),
  );
  assert.deepEqual(otherWarnings, []);
  const { body: after } = await getJson(stack, `/api/v1/voice-sessions/${landed.row.id}`);
  assert.equal(after.status, 'ended');
});
