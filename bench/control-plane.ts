/**
 * `npm run bench:control-plane`: the control plane under bursts of new calls.
 *
 * Starts the product as in production (test/support/process-stack.ts): its own
 * embedded PostgreSQL and Temporal dev server, the api, one media bridge and
 * one worker as separate processes from their real entry points; the phone,
 * model and tenant simulators in this process. For each rate it places that
 * many new calls a second, alternating:
 *
 * - outbound: POST /api/v1/make-call with the tenant's bearer key (and an
 *   Idempotency-Key, as a careful client sends); 2.5 s later the tenant hangs
 *   it up through POST /api/v1/calls/:id/hangup (a Temporal update);
 * - inbound: the phone simulator rings the tenant's number and posts the
 *   signed incoming-call webhook as Twilio does; the caller hangs up 2.5 s
 *   after the answer.
 *
 * Every call answers, streams to the bridge and reaches the model simulator,
 * so the whole path runs, but briefly: the machine is not swamped by audio.
 * After the last rate, every call's workflow history is read from Temporal.
 *
 *   npm run bench:control-plane                          2, 5, 10, 20 calls/s, 15 s each
 *   npm run bench:control-plane -- --rates=10 --seconds=30
 *   npm run bench:control-plane -- --temporal-db=memory   # the dev server without its file
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import type { Client } from '@temporalio/client';
import { DEMO_NUMBER } from '../scripts/stack.js';
import { fetchAllRuns, type HistoryEvent, type WorkflowRun } from '../scripts/workflow-runs.js';
import type { PartyBehaviour } from '../simulators/phone/index.js';
import { startProcessStack, type ProcessStack } from '../test/support/process-stack.js';
import { callWorkflowId, inboundCallId } from '../workflows/ids.js';
import { callSchedule, parseRates, timestampMs, type CallKind } from './control-plane-schedule.js';
import { printControlPlaneReport, type ControlPlaneRow } from './report.js';
import { Samples } from './stats.js';

const CALL_LENGTH_MS = 2_500;
/** A call the bench forgets to end still ends (the simulator's safety). */
const SAFETY_MAX_CALL_MS = 20_000;
const DRAIN_TIMEOUT_MS = 120_000;
const CLOSE_TIMEOUT_MS = 120_000;
const POLL_MS = 200;
const HISTORY_READERS = 4;

const rates = parseRates(argument('rates', '2,5,10,20'));
const stepSeconds = Number(argument('seconds', '15'));
const say = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface CallRecord {
  kind: CallKind;
  rate: number;
  /** Epoch ms when the request (make-call, or the simulated ring) was sent. */
  sentAtMs: number;
  /** make-call or webhook round trip. */
  answerMs?: number;
  callId?: string;
  /** The number the outbound call dials: unique, so the simulator's record is found by it. */
  to?: string;
  hangUpMs?: number;
  error?: string;
}

say('starting the stack: PostgreSQL, a Temporal dev server, api, bridge and worker processes');
// --temporal-db=memory: the dev server without its SQLite file (as `npm test` runs it).
const temporalInMemory = argument('temporal-db', 'file') === 'memory';
const stack = await startProcessStack({
  label: 'bench-control-plane',
  // As in production (and the bridge says it is ready at info).
  logLevel: 'info',
  environment: { API_REQUESTS_PER_MINUTE_PER_ADDRESS: '1000000' },
  temporalInMemory,
});
let exitCode = 0;
let sequence = 0;
try {
  // The defaults (10 live calls, 60 calls and 600 requests a minute) would refuse this load.
  await stack.db.query(
    `UPDATE tenants SET max_concurrent_calls = 10000, calls_per_minute = 100000,
       requests_per_minute = 1000000 WHERE id = $1`,
    [stack.tenant.tenantId],
  );
  const client = await stack.temporal.client();
  const calls: CallRecord[] = [];

  say('warming up: one call of each kind');
  const warmUp: CallRecord[] = [];
  await Promise.all([placeOutbound(0, warmUp), placeInbound(0, warmUp)]);
  await drain(warmUp);

  const steps: Array<{ rate: number; cpu: Record<string, number>; loadAfter: number[] }> = [];
  for (const rate of rates) {
    say(`· ${rate} new calls/s for ${stepSeconds} s`);
    const before = processCpuMs(stack);
    const started = Date.now();
    const pending: Array<Promise<void>> = [];
    for (const planned of callSchedule(rate, stepSeconds)) {
      const wait = started + planned.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      pending.push(
        planned.kind === 'outbound' ? placeOutbound(rate, calls) : placeInbound(rate, calls),
      );
    }
    await Promise.all(pending);
    const cpuMs = processCpuMs(stack);
    const elapsedMs = Date.now() - started;
    const cpu = Object.fromEntries(
      Object.entries(cpuMs).map(([name, used]) => [
        name,
        ((used - (before[name] ?? 0)) / elapsedMs) * 100,
      ]),
    );
    steps.push({ rate, cpu, loadAfter: loadavg() });
    await drain(calls);
  }

  say('reading every call workflow history from Temporal');
  const histories = await readHistories(client, calls);
  const rows = rates.map((rate) => rowFor(rate, calls, histories, stack));
  printControlPlaneReport(rows, {
    stepSeconds,
    callLengthMs: CALL_LENGTH_MS,
    cores: cpus().length,
    cpu: steps.map(({ rate, cpu }) => ({ rate, cpu })),
    loadAfter: steps.map(({ rate, loadAfter }) => ({ rate, loadAfter })),
    temporalDb: temporalInMemory ? 'memory' : 'file',
  });
  printProductErrors(stack);
} catch (error) {
  process.stderr.write(`the bench failed: ${String(error)}\n`);
  exitCode = 1;
} finally {
  await stack.stop();
}
process.exit(exitCode);

async function placeOutbound(rate: number, into: CallRecord[]): Promise<void> {
  sequence += 1;
  const to = `+1555${String(1_000_000 + sequence).slice(1)}`;
  const party: PartyBehaviour = { answer: 'answer', maxCallMs: SAFETY_MAX_CALL_MS };
  stack.phone.setParty(to, party);
  const record: CallRecord = { kind: 'outbound', rate, sentAtMs: Date.now(), to };
  into.push(record);
  const startedAt = performance.now();
  try {
    const response = await fetch(`${stack.apiUrl}/api/v1/make-call`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.tenant.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': `bench-${process.pid}-${sequence}`,
      },
      body: JSON.stringify({ to, from: DEMO_NUMBER, agent_key: stack.tenant.agentKey }),
    });
    const body = (await response.json()) as { call_id?: string };
    record.answerMs = performance.now() - startedAt;
    if (response.status !== 202 || !body.call_id) {
      record.error = `make-call ${response.status}`;
      return;
    }
    record.callId = body.call_id;
  } catch (error) {
    record.error = `make-call ${String(error)}`;
    return;
  }

  await sleep(CALL_LENGTH_MS);
  const hangUpAt = performance.now();
  try {
    const response = await fetch(`${stack.apiUrl}/api/v1/calls/${record.callId}/hangup`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.tenant.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ reason: 'bench' }),
    });
    await response.arrayBuffer();
    record.hangUpMs = performance.now() - hangUpAt;
    if (response.status !== 202) record.error = `hang-up ${response.status}`;
  } catch (error) {
    record.error = `hang-up ${String(error)}`;
  }
}

async function placeInbound(rate: number, into: CallRecord[]): Promise<void> {
  sequence += 1;
  const record: CallRecord = { kind: 'inbound', rate, sentAtMs: Date.now() };
  into.push(record);
  const startedAt = performance.now();
  try {
    const call = await stack.phone.placeInboundCall({
      accountSid: stack.config.twilio.accountSid,
      from: `+1666${String(1_000_000 + sequence).slice(1)}`,
      to: DEMO_NUMBER,
      webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
      statusCallbackUrl: `${stack.apiUrl}/api/v1/call-status`,
      party: { answer: 'answer', maxCallMs: CALL_LENGTH_MS },
    });
    record.answerMs = performance.now() - startedAt;
    const webhook = call.webhooks[0];
    if (webhook?.httpStatus !== 200) record.error = `webhook ${webhook?.httpStatus ?? 'none'}`;
    else if (!/<Stream/.test(call.twimlDocuments[0]?.document ?? ''))
      record.error = `webhook refused the call: ${refusal(call.twimlDocuments[0]?.document)}`;
    else record.callId = inboundCallId(call.sid);
  } catch (error) {
    record.error = `webhook ${String(error)}`;
  }
}

/**
 * Until every call placed so far has ended: each admitted outbound call has reached the
 * simulator (a backlog in Temporal delays that) and no simulated call is live, so one rate's
 * calls do not weigh on the next. Gives up after DRAIN_TIMEOUT_MS and says so.
 */
async function drain(placed: CallRecord[]): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  const startedAt = Date.now();
  const outstanding = () => {
    const dialed = new Set<string>();
    let live = 0;
    for (const call of stack.phone.calls.values()) {
      if (call.direction === 'outbound-api') dialed.add(call.to);
      if (call.endedAt === null) live += 1;
    }
    const undialed = placed.filter(
      (record) => record.kind === 'outbound' && record.callId && !dialed.has(record.to ?? ''),
    ).length;
    return { live, undialed };
  };
  for (;;) {
    const { live, undialed } = outstanding();
    if (live === 0 && undialed === 0) break;
    if (Date.now() > deadline) {
      say(
        `  still ${live} live and ${undialed} not yet dialed after ${DRAIN_TIMEOUT_MS / 1_000} s`,
      );
      return;
    }
    await sleep(POLL_MS);
  }
  const waitedMs = Date.now() - startedAt;
  if (waitedMs > CALL_LENGTH_MS * 4)
    say(`  the calls took ${Math.round(waitedMs / 1_000)} s to end`);
}

interface CallHistory {
  events: number;
  closed: boolean;
  startedAtMs?: number;
  firstTaskStartedAtMs?: number;
  firstTaskCompletedAtMs?: number;
}

async function readHistories(
  temporal: Client,
  records: CallRecord[],
): Promise<Map<string, CallHistory>> {
  const ids = records.flatMap((record) => (record.callId ? [record.callId] : []));
  const deadline = Date.now() + CLOSE_TIMEOUT_MS;
  const histories = new Map<string, CallHistory>();
  let next = 0;
  const reader = async () => {
    while (next < ids.length) {
      const callId = ids[next] as string;
      next += 1;
      const workflowId = callWorkflowId(callId);
      let runs: WorkflowRun[];
      try {
        runs = await fetchAllRuns(temporal, workflowId);
        // A call's workflow ends after its evaluation: wait for it, within reason.
        while (!isClosed(runs.at(-1)?.events ?? []) && Date.now() < deadline) {
          await sleep(POLL_MS * 5);
          runs = await fetchAllRuns(temporal, workflowId);
        }
      } catch (error) {
        process.stderr.write(`no history for ${workflowId}: ${String(error)}\n`);
        continue;
      }
      const first = runs[0]?.events ?? [];
      histories.set(callId, {
        events: runs.reduce((sum, run) => sum + run.events.length, 0),
        closed: isClosed(runs.at(-1)?.events ?? []),
        startedAtMs: timestampMs(first[0]?.eventTime),
        firstTaskStartedAtMs: timestampMs(
          first.find((event) => event.workflowTaskStartedEventAttributes)?.eventTime,
        ),
        firstTaskCompletedAtMs: timestampMs(
          first.find((event) => event.workflowTaskCompletedEventAttributes)?.eventTime,
        ),
      });
    }
  };
  await Promise.all(Array.from({ length: HISTORY_READERS }, reader));
  return histories;
}

/** What a refusing TwiML document says, shortened. */
function refusal(document: string | undefined): string {
  return /<Say[^>]*>([^<]{0,40})/.exec(document ?? '')?.[1] ?? 'no stream';
}

function isClosed(events: HistoryEvent[]): boolean {
  const last = events.at(-1);
  return Boolean(
    last?.workflowExecutionCompletedEventAttributes ??
    last?.workflowExecutionFailedEventAttributes ??
    last?.workflowExecutionTerminatedEventAttributes ??
    last?.workflowExecutionTimedOutEventAttributes ??
    last?.workflowExecutionCanceledEventAttributes,
  );
}

function rowFor(
  rate: number,
  records: CallRecord[],
  histories: Map<string, CallHistory>,
  running: ProcessStack,
): ControlPlaneRow {
  const mine = records.filter((record) => record.rate === rate);
  const samples = () => new Samples();
  const row = {
    makeCall: samples(),
    webhook: samples(),
    toCreate: samples(),
    toWorkflowStart: samples(),
    workerPickup: samples(),
    firstTask: samples(),
    hangUp: samples(),
    events: samples(),
  };
  const createdAt = new Map<string, number>();
  for (const call of running.phone.calls.values())
    if (call.direction === 'outbound-api') createdAt.set(call.to, call.createdAt.getTime());
  const errors = new Map<string, number>();
  let notClosed = 0;
  for (const record of mine) {
    if (record.error) errors.set(record.error, (errors.get(record.error) ?? 0) + 1);
    if (record.answerMs !== undefined && !record.error?.startsWith('make-call'))
      (record.kind === 'outbound' ? row.makeCall : row.webhook).add(record.answerMs);
    if (record.hangUpMs !== undefined) row.hangUp.add(record.hangUpMs);
    const created = record.to ? createdAt.get(record.to) : undefined;
    if (created !== undefined) row.toCreate.add(created - record.sentAtMs);
    const history = record.callId ? histories.get(record.callId) : undefined;
    if (!history) continue;
    if (history.startedAtMs !== undefined) {
      row.toWorkflowStart.add(history.startedAtMs - record.sentAtMs);
      if (history.firstTaskStartedAtMs !== undefined)
        row.workerPickup.add(history.firstTaskStartedAtMs - history.startedAtMs);
      if (history.firstTaskCompletedAtMs !== undefined)
        row.firstTask.add(history.firstTaskCompletedAtMs - history.startedAtMs);
    }
    if (history.closed) row.events.add(history.events);
    else notClosed += 1;
  }
  return {
    rate,
    outbound: mine.filter((record) => record.kind === 'outbound').length,
    inbound: mine.filter((record) => record.kind === 'inbound').length,
    ...row,
    errors: [...errors].map(([what, count]) => `${count}× ${what}`),
    notClosed,
  };
}

/** What the product's processes logged at error level, counted by process and message. */
function printProductErrors(running: ProcessStack): void {
  const counts = new Map<string, number>();
  for (const child of running.processes())
    for (const { record } of child.lines) {
      if (typeof record.level !== 'number' || record.level < 50) continue;
      const err = record.err as { message?: unknown } | string | undefined;
      const detail = typeof err === 'object' ? String(err.message) : err;
      const what = `${child.name}: ${String(record.msg)}${detail ? ` (${detail.slice(0, 100)})` : ''}`;
      counts.set(what, (counts.get(what) ?? 0) + 1);
    }
  if (counts.size === 0) return;
  say('Errors the product logged:');
  for (const [what, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10))
    say(`  ${count}× ${what}`);
}

/**
 * CPU time (user + system, ms) each process has used so far, from /proc: the product's
 * children, the Temporal dev server, PostgreSQL (its postmaster and every backend) and this one.
 */
function processCpuMs(running: ProcessStack): Record<string, number> {
  const used: Record<string, number> = {};
  for (const child of running.processes()) if (child.pid) used[child.name] = cpuMsOf([child.pid]);
  if (running.temporal.pid) used.temporal = cpuMsOf([running.temporal.pid]);
  const postmaster = Number(
    readFileOr(join(running.dataDirectory, 'postgres', 'postmaster.pid')).split('\n')[0],
  );
  if (postmaster) used.postgres = cpuMsOf([postmaster, ...childrenOf(postmaster)]);
  const self = process.cpuUsage();
  used['bench (simulators)'] = (self.user + self.system) / 1_000;
  return used;
}

/** Clock ticks are 100 a second on Linux; a process gone (or not Linux) counts nothing. */
function cpuMsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = readFileOr(`/proc/${pid}/stat`).split(') ')[1]?.split(' ') ?? [];
    ticks += (Number(fields[11]) || 0) + (Number(fields[12]) || 0);
  }
  return ticks * 10;
}

function childrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const name of readdirOr('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(readFileOr(`/proc/${name}/stat`).split(') ')[1]?.split(' ')[1]);
    if (ppid === parent) found.push(Number(name));
  }
  return found;
}

function readFileOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function readdirOr(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function argument(name: string, fallback: string): string {
  const given = process.argv.find((value) => value.startsWith(`--${name}=`));
  return given ? given.slice(name.length + 3) : fallback;
}
