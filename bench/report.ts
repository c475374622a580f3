/** The benchmark's printed report: one row per concurrency, then what it means. */
import type { PeerMessage } from './messages.js';
import type { Samples } from './stats.js';

export interface RunRow {
  calls: number;
  sessions: number;
  result: Extract<PeerMessage, { type: 'result' }>;
  bridgeEventLoopP99Ms: number;
  /** Share of the measured time the bridge's event loop was busy (0 to 1). */
  bridgeLoopUtilization: number;
  bridgeCpuPercentPerCall: number;
  rssPerCallKb: number;
  heapPerCallKb: number;
}

/** The bar for "carries this many calls": p99 added latency under 5 ms on both hops. */
const P99_LIMIT_MS = 5;

const ms = (value: number) => value.toFixed(2).padStart(6);
const column = (text: string | number, width: number) => String(text).padStart(width);
const percent = (share: number) => `${Math.round(share * 100)}%`.padStart(4);

export function printReport(
  rows: RunRow[],
  meta: {
    plainModel: boolean;
    measureMs: number;
    cores: number;
    loadBefore: number[];
    loadAfter: number[];
  },
): void {
  const say = (line = '') => process.stdout.write(`${line}\n`);
  say();
  say(
    'Media bridge benchmark: one bridge process, every call through media/server.ts and a CallSession,',
  );
  say(
    meta.plainModel
      ? 'the model over PLAIN ws (--model-transport=plain: a comparison, not the product path);'
      : 'the model over TLS with the real openai client; Twilio and model peers in a second process.',
  );
  say('The CallControl answers at once (no Temporal round trips): the bridge is what is measured.');
  say(
    `Each concurrency: ${meta.measureMs / 1_000} s measured after a 2 s warm-up; caller frames every 20 ms,`,
  );
  say(
    'agent audio 100 ms every 100 ms, a barge-in per call every 2 s. Latencies in ms, per hop through',
  );
  say(
    "the bridge (peer send to peer receive, both stamps on the peer's clock, so loopback and the",
  );
  say("peer's own scheduling are included).");
  say(
    `Machine: ${meta.cores} cores, load average ${meta.loadBefore.map((value) => value.toFixed(2)).join(' ')} before, ${meta.loadAfter.map((value) => value.toFixed(2)).join(' ')} after.`,
  );
  say();
  say(
    '  calls | caller->model p50   p99  p99.9 | model->caller p50   p99  p99.9 | barge-in p99 | loop p99 |' +
      ' busy | cpu%/call | rss KB/call | heap KB/call | dropped reordered | peer busy peer loop p99',
  );
  for (const row of rows) {
    const { result } = row;
    say(
      `  ${column(row.calls, 5)} |           ${ms(result.callerToModel.p50)} ${ms(result.callerToModel.p99)} ${ms(result.callerToModel.p999)} |` +
        `           ${ms(result.modelToCaller.p50)} ${ms(result.modelToCaller.p99)} ${ms(result.modelToCaller.p999)} |` +
        `       ${ms(result.bargeInP99)} |   ${ms(row.bridgeEventLoopP99Ms)} |` +
        ` ${percent(row.bridgeLoopUtilization)} |` +
        `    ${row.bridgeCpuPercentPerCall.toFixed(3).padStart(6)} |      ${column(Math.round(row.rssPerCallKb), 6)} |` +
        `       ${column(Math.round(row.heapPerCallKb), 6)} | ${column(result.framesDropped, 7)} ${column(result.framesReordered + result.framesMisrouted, 9)} |` +
        `     ${percent(result.peerLoopUtilization)}      ${ms(result.peerEventLoopP99Ms)}`,
    );
  }
  say();
  say('busy: share of the measured time the event loop ran; loop p99: event-loop delay.');
  const carried = rows.filter(
    (row) =>
      row.result.callerToModel.p99 < P99_LIMIT_MS && row.result.modelToCaller.p99 < P99_LIMIT_MS,
  );
  const largest = carried.reduce((best, row) => Math.max(best, row.calls), 0);
  say(
    `Largest concurrency with p99 under ${P99_LIMIT_MS} ms on both hops: ${largest || 'none of those run'}.`,
  );
  const samples = rows.map(
    (row) =>
      `${row.calls}: ${row.result.callerToModel.samples}/${row.result.modelToCaller.samples}/${row.result.bargeIns}`,
  );
  say(`Samples (caller->model / model->caller / barge-ins): ${samples.join(', ')}.`);
}

/** One rate of the control-plane bench (bench/control-plane.ts); latencies in ms. */
export interface ControlPlaneRow {
  rate: number;
  outbound: number;
  inbound: number;
  makeCall: Samples;
  webhook: Samples;
  /** make-call sent to the phone simulator's calls.create. */
  toCreate: Samples;
  /** Request sent (make-call or webhook) to Temporal's WorkflowExecutionStarted. */
  toWorkflowStart: Samples;
  /** WorkflowExecutionStarted to the worker's first WorkflowTaskStarted. */
  workerPickup: Samples;
  /** WorkflowExecutionStarted to the first WorkflowTaskCompleted. */
  firstTask: Samples;
  /** The tenant's hang-up (POST /calls/:id/hangup, a Temporal update) round trip. */
  hangUp: Samples;
  /** History events per call, every run, closed calls only. */
  events: Samples;
  errors: string[];
  notClosed: number;
}

/** The aims of issue 7: p99 under 50 ms at 10 new calls a second. */
const CONTROL_PLANE_P99_AIM_MS = 50;
const CONTROL_PLANE_AIM_RATE = 10;

export function printControlPlaneReport(
  rows: ControlPlaneRow[],
  meta: {
    stepSeconds: number;
    callLengthMs: number;
    cores: number;
    cpu: Array<{ rate: number; cpu: Record<string, number> }>;
    loadAfter: Array<{ rate: number; loadAfter: number[] }>;
    /** Where the dev server keeps its database: 'file' (as `npm start`) or 'memory'. */
    temporalDb: 'file' | 'memory';
  },
): void {
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const pair = (samples: Samples) => {
    const [p50, p99] = samples.percentiles(50, 99);
    return `${ms(p50 ?? Number.NaN)} ${ms(p99 ?? Number.NaN)}`;
  };
  say();
  say('Control-plane benchmark: api, media bridge and worker as separate processes, one Temporal');
  const where = meta.temporalDb === 'memory' ? 'SQLite in memory' : 'SQLite in a file';
  say(`dev server (${where}), embedded PostgreSQL; simulators in the bench process.`);
  say(
    `Each rate: ${meta.stepSeconds} s of new calls, alternating outbound (make-call, hung up by the ` +
      `tenant's API after ${meta.callLengthMs / 1_000} s)`,
  );
  say(
    `and inbound (the signed incoming-call webhook; the caller hangs up ${meta.callLengthMs / 1_000} s ` +
      `after the answer). Machine: ${meta.cores} cores, shared.`,
  );
  say('Latencies in ms, p50 and p99.');
  say();
  say(
    '  calls/s | out  in | make-call p50   p99 | webhook p50   p99 | ->create p50   p99 |' +
      ' ->wf start p50   p99 | pickup p50   p99 | 1st task p50   p99 | hang-up p50   p99 |' +
      ' events p50 max | errors',
  );
  for (const row of rows) {
    const [eventsP50, eventsMax] = row.events.percentiles(50, 100);
    const errors = [...row.errors, ...(row.notClosed ? [`${row.notClosed} not closed`] : [])];
    say(
      `  ${column(row.rate, 7)} | ${column(row.outbound, 3)} ${column(row.inbound, 3)} |` +
        `      ${pair(row.makeCall)} |    ${pair(row.webhook)} |     ${pair(row.toCreate)} |` +
        `       ${pair(row.toWorkflowStart)} |   ${pair(row.workerPickup)} |     ${pair(row.firstTask)} |` +
        `    ${pair(row.hangUp)} | ${column(eventsP50 ?? '-', 10)} ${column(eventsMax ?? '-', 3)} |` +
        ` ${errors.length ? errors.join(', ') : 'none'}`,
    );
  }
  say();
  say(
    '->create: make-call sent to Twilio (the simulator) receiving calls.create; ->wf start: request ' +
      'sent to',
  );
  say(
    "Temporal's WorkflowExecutionStarted; pickup / 1st task: from that event to the worker's first " +
      'task started /',
  );
  say(
    'completed; hang-up: POST /api/v1/calls/:id/hangup, an update on the workflow; events: ' +
      'history events per call.',
  );
  for (const { rate, cpu } of meta.cpu) {
    const load = meta.loadAfter.find((entry) => entry.rate === rate)?.loadAfter ?? [];
    const shares = Object.entries(cpu)
      .map(([name, percent]) => `${name} ${Math.round(percent)}%`)
      .join(', ');
    say(
      `CPU at ${rate}/s (of one core): ${shares}; load average after ${load.map((value) => value.toFixed(2)).join(' ')}.`,
    );
  }
  const atAim = rows.find((row) => row.rate === CONTROL_PLANE_AIM_RATE);
  if (atAim) {
    const makeCallP99 = atAim.makeCall.percentiles(99)[0] ?? Number.NaN;
    const webhookP99 = atAim.webhook.percentiles(99)[0] ?? Number.NaN;
    const verdict = (value: number) =>
      value < CONTROL_PLANE_P99_AIM_MS ? 'met' : `missed (${value.toFixed(1)} ms)`;
    say(
      `Aim at ${CONTROL_PLANE_AIM_RATE} calls/s, p99 under ${CONTROL_PLANE_P99_AIM_MS} ms: ` +
        `make-call ${verdict(makeCallP99)}, incoming-call webhook ${verdict(webhookP99)}.`,
    );
  }
}
