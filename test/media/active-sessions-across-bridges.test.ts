/**
 * Active sessions across bridge instances: one call on the stack's bridge,
 * one on a second bridge process (media/main.ts), both listed as active with
 * their instance ids. The second process is SIGKILLed mid-call: its session
 * leaves the active list once its instance is stale (3 heartbeats of 500 ms),
 * while the other call stays active. A bridge closed with SIGTERM marks its
 * instance stopped and ends its sessions on the way out.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import { listLiveBridgeInstances } from '../../db/bridge-instances.js';
import type { Stack } from '../../scripts/stack.js';
import type { PartyBehaviour, SimulatedCall } from '../../simulators/phone/index.js';
import { inboundCallId } from '../../workflows/ids.js';
import { addAgentVersion, scriptedAgent, type TestVersion } from '../conversation/support.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { startApiStreamingTo, type ExtraApi } from '../support/extra-api.js';
import { eventually, getJson, startTestStack } from '../support/stack.js';

const HEARTBEAT_MS = 500;
const STALE_AFTER_MS = 3 * HEARTBEAT_MS;
/** Polling the API and a loaded machine: what observing the bound may add to it. */
const OBSERVATION_SLACK_MS = 2_000;
const POLL_MS = 100;

/** A caller who listens to the greeting and then stays on the line, silent. */
const PATIENT_CALLER: PartyBehaviour = {
  answer: 'answer',
  script: [{ when: { afterMs: 90_000 } }],
};

let stack: Stack;
let version: TestVersion;
const stops: Array<() => Promise<unknown>> = [];

before(async () => {
  stack = await startTestStack({ bridgeHeartbeatMs: HEARTBEAT_MS });
  stack.model.setScenario(scriptedAgent());
  version = await addAgentVersion(stack, { greeting: 'Hello, you are through to the test line.' });
});
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await stack.stop();
});

/** A second bridge process and an api whose TwiML streams to it. */
async function startSecondInstance(): Promise<{ bridge: BridgeProcess; api: ExtraApi }> {
  const bridge = await startBridgeProcess(stack, { heartbeatMs: HEARTBEAT_MS });
  stops.push(() => bridge.kill());
  const api = await startApiStreamingTo(stack, bridge.streamUrl);
  stops.push(() => api.stop());
  return { bridge, api };
}

async function ring(apiUrl: string): Promise<{ callId: string; call: SimulatedCall }> {
  const call = await stack.phone.placeInboundCall({
    accountSid: stack.config.twilio.accountSid,
    from: `+1500556${String(randomInt(100_000, 999_999))}`,
    to: version.phoneNumber,
    webhookUrl: `${apiUrl}/api/v1/incoming-call`,
    statusCallbackUrl: `${apiUrl}/api/v1/call-status`,
    party: PATIENT_CALLER,
  });
  stops.push(() => stack.phone.hangUp(call.sid));
  return { callId: inboundCallId(call.sid), call };
}

async function activeSessions(): Promise<any[]> {
  const { status, body } = await getJson(stack, '/api/v1/voice-sessions/active');
  assert.equal(status, 200, JSON.stringify(body));
  return body.data;
}

async function sessionOf(callId: string): Promise<any> {
  const { body } = await getJson(stack, `/api/v1/voice-sessions?call_id=${callId}`);
  return body.data[0];
}

test('two live calls on two bridge instances are both active; the SIGKILLed one leaves within its stale bound', async (t) => {
  const second = await startSecondInstance();
  const first = await ring(stack.apiUrl);
  const other = await ring(second.api.url);

  const both = await eventually(
    async () => {
      const active = await activeSessions();
      // Both conversations under way (past opening the model).
      const live = active.length === 2 && active.every((session) => session.state !== 'connecting');
      return live ? active : undefined;
    },
    60_000,
    'both calls to be active and talking',
  );
  const onFirst = both.find((session) => session.call_id === first.callId);
  const onSecond = both.find((session) => session.call_id === other.callId);
  assert.equal(onFirst?.bridge_instance_id, stack.bridge.instanceId);
  assert.equal(onSecond?.bridge_instance_id, second.bridge.instanceId);
  for (const session of [onFirst, onSecond]) {
    assert.ok(['greeting', 'listening', 'agent_speaking'].includes(session.state), session.state);
    assert.equal(session.status, 'active');
    assert.equal(session.ended_at, null);
    assert.equal(session.links.call, `/api/v1/call-logs/${session.call_id}`);
  }

  const live = await listLiveBridgeInstances(stack.db);
  assert.deepEqual(
    live.map((instance) => [instance.id, instance.stream_url, instance.active_sessions]).sort(),
    [
      [stack.bridge.instanceId, stack.config.media.streamUrl, 1],
      [second.bridge.instanceId, second.bridge.streamUrl, 1],
    ].sort(),
  );

  // The second bridge dies the hard way: no close, no last write, no stopped_at.
  const killedAt = Date.now();
  await second.bridge.kill();
  let firstStayedActive = true;
  let goneAfterMs: number | undefined;
  while (goneAfterMs === undefined && Date.now() - killedAt < STALE_AFTER_MS + 10_000) {
    const active = await activeSessions();
    firstStayedActive &&= active.some((session) => session.call_id === first.callId);
    if (!active.some((session) => session.call_id === other.callId))
      goneAfterMs = Date.now() - killedAt;
    else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  assert.ok(goneAfterMs !== undefined, 'the killed instance never left the active list');
  t.diagnostic(
    `the killed instance's session left the active list ${goneAfterMs} ms after SIGKILL`,
  );

  assert.ok(firstStayedActive, 'the call on the other instance stayed active throughout');
  assert.ok(
    goneAfterMs <= STALE_AFTER_MS + OBSERVATION_SLACK_MS,
    `gone after ${goneAfterMs} ms; bound ${STALE_AFTER_MS} ms`,
  );
  // By the database's clock it left exactly when its last heartbeat went stale.
  const { rows } = await stack.db.query<{
    heartbeat_at: Date;
    stale_after_ms: number;
    stopped_at: Date | null;
  }>('SELECT heartbeat_at, stale_after_ms, stopped_at FROM bridge_instances WHERE id = $1', [
    second.bridge.instanceId,
  ]);
  const instance = rows[0];
  assert.equal(instance?.stale_after_ms, STALE_AFTER_MS);
  assert.equal(instance?.stopped_at, null);
  const lastBeatBeforeKillMs = killedAt - (instance?.heartbeat_at.getTime() ?? 0);
  t.diagnostic(`its last heartbeat was ${lastBeatBeforeKillMs} ms before SIGKILL`);
  assert.ok(lastBeatBeforeKillMs >= -100, 'no heartbeat after the kill');
  assert.ok(
    lastBeatBeforeKillMs <= HEARTBEAT_MS + 1_000,
    `it was heartbeating until the kill (${lastBeatBeforeKillMs} ms before)`,
  );

  const lost = await sessionOf(other.callId);
  assert.equal(lost.status, 'lost');
  assert.equal(lost.ended_at, null);
  assert.equal(lost.bridge_instance_id, second.bridge.instanceId);
  assert.deepEqual(
    (await listLiveBridgeInstances(stack.db)).map((row) => row.id),
    [stack.bridge.instanceId],
  );

  // The call on the live instance ends as usual and leaves the list as ended.
  await stack.phone.hangUp(first.call.sid);
  const ended = await eventually(
    async () => {
      const session = await sessionOf(first.callId);
      return session.status === 'ended' ? session : undefined;
    },
    30_000,
    'the first call to end',
  );
  assert.equal(ended.state, 'ended');
  assert.equal(ended.end_reason, 'stream_stopped');
  assert.ok(Date.parse(ended.ended_at) >= Date.parse(ended.started_at));
  assert.deepEqual(await activeSessions(), []);
});

test('a bridge closed gracefully ends its sessions and marks its instance stopped', async () => {
  const third = await startSecondInstance();
  const { callId } = await ring(third.api.url);
  await eventually(
    async () => ((await sessionOf(callId))?.status === 'active' ? true : undefined),
    60_000,
    'the call to be active',
  );

  await third.bridge.stop();
  const session = await sessionOf(callId);
  assert.equal(session.status, 'ended', 'written before the process exited');
  assert.equal(session.end_reason, 'twilio_socket_closed');
  const { rows } = await stack.db.query<{ stopped_at: Date | null }>(
    'SELECT stopped_at FROM bridge_instances WHERE id = $1',
    [third.bridge.instanceId],
  );
  assert.ok(rows[0]?.stopped_at, 'the instance is marked stopped');
  assert.ok(
    !(await listLiveBridgeInstances(stack.db)).some((row) => row.id === third.bridge.instanceId),
  );
  assert.ok(!(await activeSessions()).some((active) => active.call_id === callId));
});
