/**
 * The worker's /metrics: its own registry (calls, tools, evaluations,
 * notifications, Node's process metrics) followed by the Temporal SDK's
 * exporter's text (workflow and activity task metrics), fetched from
 * loopback at each scrape, so one scrape target covers the worker.
 */
import type { Server } from 'node:http';
import { isMetricsRequest, writeMetrics, type Registry } from '../lib/metrics.js';
import { createBoundedServer } from '../lib/server-timeouts.js';

const SDK_SCRAPE_TIMEOUT_MS = 2_000;

export interface WorkerMetricsServerOptions {
  registry: Registry;
  /** host:port of the Temporal SDK's Prometheus exporter; left out when absent. */
  temporalMetricsAddress?: string;
}

/** Text of the SDK's exporter; a comment instead when it does not answer, so our part still shows. */
export async function fetchTemporalMetrics(address: string): Promise<string> {
  try {
    const response = await fetch(`http://${address}/metrics`, {
      signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS),
    });
    if (!response.ok) return `# temporal sdk exporter answered ${response.status}\n`;
    return await response.text();
  } catch {
    return '# temporal sdk exporter unavailable\n';
  }
}

export function createWorkerMetricsServer(options: WorkerMetricsServerOptions): Server {
  const { temporalMetricsAddress } = options;
  const sdkText = temporalMetricsAddress
    ? () => fetchTemporalMetrics(temporalMetricsAddress)
    : undefined;
  return createBoundedServer((request, response) => {
    if (request.method === 'GET' && request.url === '/health/live') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (!isMetricsRequest(request)) {
      response.writeHead(404).end();
      return;
    }
    void writeMetrics(options.registry, response, sdkText);
  });
}
