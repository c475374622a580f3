/**
 * The worker's metrics, counted in the activities that write what they count:
 * a call starts when its routing is recorded and ends when its record is
 * finalized, each counted by the attempt that wrote the event (a retry that
 * finds it written counts nothing), so several workers never count a call
 * twice. Workflow code stays free of metrics: it replays.
 */
import type { Database } from '../db/database.js';
import { Counter, createRegistry, Gauge, Histogram, type Registry } from '../lib/metrics.js';

export interface WorkerMetrics {
  registry: Registry;
  callsStarted: Counter<'direction'>;
  callsEnded: Counter<'direction' | 'outcome'>;
  toolRuns: Counter<'tool' | 'result'>;
  evaluationScore: Histogram;
  notificationDeliveries: Counter<'result'>;
}

const ACTIVE_CALLS_SQL = `SELECT direction, count(*)::int AS calls FROM calls
  WHERE ended_at IS NULL GROUP BY direction`;

/**
 * `db` feeds voice_calls_active at each scrape: the count of calls without an end, read from
 * the database, so every worker reports the same figure (aggregate with max, not sum).
 */
export function createWorkerMetrics(db?: Database): WorkerMetrics {
  const registry = createRegistry('worker');
  new Gauge({
    name: 'voice_calls_active',
    help: 'Calls recorded and not ended yet, by direction (from the database: aggregate with max)',
    labelNames: ['direction'],
    registers: db ? [registry] : [],
    async collect() {
      if (!db) return;
      this.reset();
      try {
        const counts = await db.query<{ direction: string; calls: number }>(ACTIVE_CALLS_SQL);
        this.set({ direction: 'inbound' }, 0);
        this.set({ direction: 'outbound' }, 0);
        for (const row of counts.rows) this.set({ direction: row.direction }, row.calls);
      } catch {
        // The database is down: no figure rather than a failed scrape (the rest still shows).
      }
    },
  });
  return {
    registry,
    callsStarted: new Counter({
      name: 'voice_calls_started_total',
      help: 'Calls routed to an agent version, by direction',
      labelNames: ['direction'],
      registers: [registry],
    }),
    callsEnded: new Counter({
      name: 'voice_calls_ended_total',
      help: 'Calls whose record was finalized, by direction and outcome',
      labelNames: ['direction', 'outcome'],
      registers: [registry],
    }),
    toolRuns: new Counter({
      name: 'voice_tool_runs_total',
      help: 'Tool run attempts, by tool name and result (error: the attempt threw and is retried)',
      labelNames: ['tool', 'result'],
      registers: [registry],
    }),
    evaluationScore: new Histogram({
      name: 'voice_evaluation_score',
      help: "Evaluations' overall score, 0 to 1",
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      registers: [registry],
    }),
    notificationDeliveries: new Counter({
      name: 'voice_notification_deliveries_total',
      help: 'Tenant event webhook delivery attempts, by result (delivered or failed)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
