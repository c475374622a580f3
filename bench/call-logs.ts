/**
 * `npm run bench:call-logs`: how long PostgreSQL takes to answer one call-log
 * page when a tenant has many calls. Fills a fresh database with 250,000 calls
 * (200,000 of one tenant), then runs each kind of page 20 times with EXPLAIN
 * ANALYZE and prints the server's execution time (median and worst) and the
 * index the plan used. The embedded PostgreSQL, unless --server names one.
 *
 *   npm run bench:call-logs
 *   npm run bench:call-logs -- --server=postgres://user:pass@127.0.0.1:5432/postgres
 */
import { join } from 'node:path';
import pg from 'pg';
import { callLogSql, listCallLogs, type CallLogFilter } from '../db/call-logs.js';
import { openDatabase } from '../db/database.js';
import { startEmbeddedDatabase } from '../db/embedded.js';
import { positionOf } from '../db/keyset.js';
import { migrateDatabase } from '../db/migrate.js';
import { createLogger } from '../lib/logger.js';
import { createFreshDatabase, freePort } from '../scripts/stack.js';

const CALLS = 250_000;
const RUNS = 20;
const PAGE = 25;

const logger = createLogger('silent');
const given = process.argv.find((value) => value.startsWith('--server='))?.slice(9);
const embedded = given
  ? undefined
  : await startEmbeddedDatabase(join('.data', 'bench-postgres'), await freePort(), logger);
const url = await createFreshDatabase(given ?? (embedded?.url as string), 'voice_bench_call_logs');
await migrateDatabase(url, logger);
const db = openDatabase({ url, poolMax: 2, connectTimeoutMs: 5_000 }, logger);

try {
  // Every fifth call is another tenant's; a call every 10 s; a few numbers called often.
  await db.query(
    `INSERT INTO tenants (id, name) VALUES ('ten_big', 'big'), ('ten_other', 'other')`,
  );
  await db.query(
    `INSERT INTO calls (id, tenant_id, direction, status, from_number, to_number, workflow_id,
       escalated, outcome, created_at)
     SELECT 'call_' || n, CASE WHEN n % 5 = 0 THEN 'ten_other' ELSE 'ten_big' END,
       CASE WHEN n % 3 = 0 THEN 'inbound' ELSE 'outbound' END,
       CASE WHEN n % 7 = 0 THEN 'busy' ELSE 'completed' END, '+15005550001',
       '+1415' || lpad((n % 20000)::text, 7, '0'), 'call-call_' || n, n % 1000 = 0,
       CASE WHEN n % 7 = 0 THEN 'busy' ELSE 'completed' END,
       timestamptz '2026-01-01' + n * interval '10 seconds'
     FROM generate_series(1, $1::int) AS n`,
    [CALLS],
  );
  await db.query('ANALYZE calls');
  const [middle] = await listCallLogs(
    db,
    'ten_big',
    { createdBefore: '2026-01-15T00:00:00Z' },
    { limit: 1 },
  );

  const cases: Array<[string, CallLogFilter, boolean]> = [
    ['first page', {}, false],
    ['a page deep in the list', {}, true],
    ['to = one number', { to: '+14150000042' }, false],
    ['escalated = true', { escalated: true }, false],
    ['direction and status', { direction: 'inbound', status: 'busy' }, false],
    [
      'one day',
      { createdAfter: '2026-01-10T00:00:00Z', createdBefore: '2026-01-11T00:00:00Z' },
      false,
    ],
  ];
  process.stdout.write(`${CALLS} calls, pages of ${PAGE}, ${RUNS} runs each\n`);
  for (const [label, filter, deep] of cases) {
    const after = deep && middle ? positionOf(middle) : undefined;
    const { text, params } = callLogSql('ten_big', filter, { limit: PAGE, after });
    const times: number[] = [];
    let index = '';
    for (let run = 0; run < RUNS; run += 1) {
      const result = await db.query<{ 'QUERY PLAN': Array<Record<string, unknown>> }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
        params,
      );
      const plan = result.rows[0]?.['QUERY PLAN'][0] ?? {};
      times.push(Number(plan['Execution Time']));
      index = /"Index Name":"([^"]+)"/.exec(JSON.stringify(plan))?.[1] ?? 'none';
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(RUNS / 2)] ?? 0;
    const worst = times[RUNS - 1] ?? 0;
    process.stdout.write(
      `${label.padEnd(24)} median ${median.toFixed(3)} ms  worst ${worst.toFixed(3)} ms  ${index}\n`,
    );
  }
} finally {
  await db.close();
  if (embedded) await embedded.stop();
  else await dropDatabase(given as string);
}

async function dropDatabase(serverUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query('DROP DATABASE IF EXISTS voice_bench_call_logs WITH (FORCE)');
  } finally {
    await admin.end();
  }
}
