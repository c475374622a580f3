/**
 * Prometheus metrics. Each process part (api, bridge, worker) owns a registry
 * of its own, never prom-client's global one: the demo and the tests run all
 * three in one process, and a metric registered twice would throw.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds, for request handling: 5 ms to 10 s. */
export const REQUEST_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A registry with Node's process metrics (CPU, memory, GC, event-loop lag) and a `part` label. */
export function createRegistry(part: 'api' | 'bridge' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ part });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Answers a scrape with the registry's text, followed by `extra` (another exporter's text). */
export async function writeMetrics(
  registry: Registry,
  response: ServerResponse,
  extra?: () => Promise<string>,
): Promise<void> {
  try {
    const [ours, theirs] = await Promise.all([registry.metrics(), extra?.() ?? '']);
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(theirs ? `${ours}\n${theirs}` : ours);
  } catch {
    response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
  }
}

/** True for a GET of /metrics (query string ignored). */
export function isMetricsRequest(request: IncomingMessage): boolean {
  return request.method === 'GET' && (request.url ?? '').split('?')[0] === '/metrics';
}
