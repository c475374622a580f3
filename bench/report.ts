/** The benchmark's printed report: one row per concurrency, then what it means. */
import type { PeerMessage } from './messages.js';

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
