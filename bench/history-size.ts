/**
 * `npm run bench:history`: how many events a call writes to its workflow
 * history (C13), for two calls:
 *
 * 1. the demo's outbound call: make-call through the API, the simulated callee
 *    reads ten sentences, the agent looks up an order, says goodbye, hangs up;
 * 2. a synthetic 10-minute conversation: an exchange every 8 to 10 s (the
 *    caller speaks, the agent answers), two order look-ups, a goodbye. Turns go
 *    through the bridge's own delivery queue (media/workflow-deliveries.ts) on
 *    a simulated clock: the call takes well under a minute of real time, but
 *    its turns are batched exactly as a 10-minute call's would be, and each
 *    delivery is processed by the workflow before the next, as on a real call.
 *
 * Uses DATABASE_URL and TEMPORAL_ADDRESS when given, else the embedded
 * PostgreSQL and a Temporal dev server of its own (do not run it beside the demo).
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { connectClient } from '../lib/temporal.js';
import { createCallControl, type CallControl } from '../media/call-control.js';
import { WorkflowDeliveries } from '../media/workflow-deliveries.js';
import { startLiveCall, storedTurns } from '../scripts/live-call.js';
import { DEMO_CALLEE, DEMO_NUMBER, startStack, type Stack } from '../scripts/stack.js';
import { relaunchTrustingSimulator } from '../scripts/trusted-relaunch.js';
import { countEvents, fetchAllRuns, type WorkflowRun } from '../scripts/workflow-runs.js';
import { readWavAsMulaw } from '../simulators/audio.js';
import { twilioStatusSignal } from '../workflows/messages.js';
import type { TranscriptTurn } from '../workflows/types.js';
import { conversationTimeline, type TimelineStep } from './conversation-timeline.js';
import { SimulatedClock } from './simulated-clock.js';

const DATA_DIRECTORY = '.data/bench-history';
const RECORDING = fileURLToPath(
  new URL('../test/fixtures/audio/OSR_us_000_0034_8k.wav', import.meta.url),
);
const CALL_TIMEOUT_MS = 240_000;
const POLL_MS = 50;
const SYNTHETIC_CALL_SEC = 600;

await relaunchTrustingSimulator(DATA_DIRECTORY);
const say = (line: string) => process.stdout.write(`${line}\n`);

const stack = await startStack({
  dataDirectory: DATA_DIRECTORY,
  postgresServerUrl: process.env.DATABASE_URL,
  temporalAddress: process.env.TEMPORAL_ADDRESS,
  headless: true,
  logLevel: 'error',
});
const client = await connectClient(stack.config);
try {
  say('· the demo outbound call (the callee reads a 36 s recording)');
  const demo = await historyOf(client, await placeDemoCall(stack));
  say('· a synthetic 10-minute conversation on a simulated clock');
  const synthetic = await runSyntheticConversation(stack, client, createCallControl(client));
  say('');
  printTable([
    { name: 'demo outbound call', runs: demo, deliveries: undefined },
    { name: `synthetic ${SYNTHETIC_CALL_SEC / 60}-minute conversation`, ...synthetic },
  ]);
} finally {
  await client.connection.close();
  await stack.stop();
}
process.exit(0);

async function placeDemoCall(running: Stack): Promise<string> {
  running.phone.setParty(DEMO_CALLEE, {
    answer: 'answer',
    audio: readWavAsMulaw(RECORDING),
    speech: 'polite',
  });
  const response = await fetch(`${running.apiUrl}/api/v1/make-call`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${running.tenant.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': `bench-history-${Date.now()}`,
    },
    body: JSON.stringify({
      to: DEMO_CALLEE,
      from: DEMO_NUMBER,
      agent_key: running.tenant.agentKey,
    }),
  });
  const accepted = (await response.json()) as { call_id: string; workflow_id: string };
  if (response.status !== 202) throw new Error(`make-call answered ${response.status}`);

  const deadline = Date.now() + CALL_TIMEOUT_MS;
  for (;;) {
    const record = await fetch(`${running.apiUrl}/api/v1/call-logs/${accepted.call_id}`, {
      headers: { authorization: `Bearer ${running.tenant.apiKey}` },
    });
    if (record.ok && ((await record.json()) as { evaluation?: unknown }).evaluation) break;
    if (Date.now() > deadline) throw new Error('the demo call did not finish');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // The evaluated event is the workflow's last step: wait for it to close.
  await client.workflow.getHandle(accepted.workflow_id).result();
  return accepted.workflow_id;
}

async function historyOf(temporal: Client, workflowId: string): Promise<WorkflowRun[]> {
  return fetchAllRuns(temporal, workflowId);
}

/** Plays the timeline: simulated time for the bridge, real round trips for Temporal. */
async function runSyntheticConversation(
  running: Stack,
  temporal: Client,
  control: CallControl,
): Promise<{ runs: WorkflowRun[]; deliveries: { turns: number; signals: number } }> {
  const call = await startLiveCall(running, temporal);
  const clock = new SimulatedClock();
  let inFlight = 0;
  const sent = { turns: 0, signals: 0 };
  const counted: CallControl = {
    ...control,
    sendTurns: async (callId, batch) => {
      inFlight += 1;
      try {
        await control.sendTurns(callId, batch);
        sent.turns += batch.turns.length;
        sent.signals += 1;
      } finally {
        inFlight -= 1;
      }
    },
  };
  const deliveries = new WorkflowDeliveries(call, counted, running.logger, { clock });

  // Like a real call, each delivery is taken by the workflow before the next one is sent.
  const settle = async () => {
    for (;;) {
      const stored = (await storedTurns(running, call.callId)).length;
      const pending = (await call.handle.describe()).raw.pendingWorkflowTask;
      if (inFlight === 0 && !pending && stored === sent.turns) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  clock.onTimerFired = settle;

  const steps: TimelineStep[] = conversationTimeline(SYNTHETIC_CALL_SEC * 1_000);
  for (const step of steps) {
    await clock.advanceTo(step.atMs);
    if (step.kind === 'turn') deliveries.addTurn(asTurn(step, clock.now()));
    else await control.invokeTool(call.callId, step.invocation);
    await settle();
  }
  await control.requestHangUp(call.callId, 'agent_ended_call');
  await call.handle.signal(twilioStatusSignal, {
    callSid: call.callSid,
    status: 'completed',
    durationSec: SYNTHETIC_CALL_SEC,
  });
  deliveries.endStream({ streamSid: call.streamSid, reason: 'stream_stopped' });
  await deliveries.flush();
  await call.handle.result();
  return { runs: await fetchAllRuns(temporal, call.workflowId), deliveries: sent };
}

function asTurn(step: Extract<TimelineStep, { kind: 'turn' }>, nowMs: number): TranscriptTurn {
  return {
    role: step.role,
    text: step.text,
    interrupted: false,
    startedAt: new Date(nowMs - step.spokenMs).toISOString(),
    endedAt: new Date(nowMs).toISOString(),
  };
}

interface Row {
  name: string;
  runs: WorkflowRun[];
  deliveries: { turns: number; signals: number } | undefined;
}

function printTable(rows: Row[]): void {
  const header = [
    'call'.padEnd(34),
    'events'.padStart(7),
    'runs'.padStart(5),
    'signals'.padStart(8),
    'tasks'.padStart(6),
    'markers'.padStart(8),
    'activities'.padStart(11),
    'updates'.padStart(8),
    'timers'.padStart(7),
    '  bridge deliveries',
  ];
  say(header.join(' '));
  for (const { name, runs, deliveries } of rows) {
    const count = (pick: Parameters<typeof countEvents>[1]) => countEvents(runs, pick);
    say(
      [
        name.padEnd(34),
        String(count(() => true)).padStart(7),
        String(runs.length).padStart(5),
        String(count((event) => event.workflowExecutionSignaledEventAttributes)).padStart(8),
        String(count((event) => event.workflowTaskCompletedEventAttributes)).padStart(6),
        String(count((event) => event.markerRecordedEventAttributes)).padStart(8),
        String(count((event) => event.activityTaskScheduledEventAttributes)).padStart(11),
        String(count((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).padStart(8),
        String(count((event) => event.timerStartedEventAttributes)).padStart(7),
        deliveries ? `  ${deliveries.turns} turns in ${deliveries.signals} signals` : '',
      ].join(' '),
    );
  }
  say(
    '\nevents: the whole history, every run; tasks: workflow tasks completed; markers: patch ' +
      'markers and local-activity transcript saves.',
  );
}
