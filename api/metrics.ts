/**
 * The api's metrics: request latency by route pattern (never the raw path,
 * which holds ids), and Twilio's webhooks on a histogram of their own.
 */
import type { RequestHandler } from 'express';
import {
  createRegistry,
  Histogram,
  REQUEST_SECONDS_BUCKETS,
  writeMetrics,
  type Registry,
} from '../lib/metrics.js';

export interface ApiMetrics {
  registry: Registry;
  requestSeconds: Histogram<'route' | 'method' | 'status_class'>;
  webhookSeconds: Histogram<'route' | 'status'>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = createRegistry('api');
  return {
    registry,
    requestSeconds: new Histogram({
      name: 'voice_api_request_duration_seconds',
      help: 'API request handling time, by route pattern, method and status class',
      labelNames: ['route', 'method', 'status_class'],
      buckets: REQUEST_SECONDS_BUCKETS,
      registers: [registry],
    }),
    webhookSeconds: new Histogram({
      name: 'voice_twilio_webhook_duration_seconds',
      help: "Twilio webhook handling time, by route and HTTP status (Twilio's own timeout is 15 s)",
      labelNames: ['route', 'status'],
      buckets: REQUEST_SECONDS_BUCKETS,
      registers: [registry],
    }),
  };
}

/**
 * Times every request under its route pattern (`/api/v1/calls/:id`). The pattern is caught as
 * Express assigns `request.route`, while `baseUrl` is the router's: a route whose guard fails
 * leaves the router, which resets `baseUrl` before the error is rendered.
 */
export function observeRequests(
  metrics: ApiMetrics,
  isWebhook: (pattern: string) => boolean,
): RequestHandler {
  return (request, response, next) => {
    const startedAt = process.hrtime.bigint();
    let matched: string | undefined;
    let route: unknown;
    Object.defineProperty(request, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: { path?: unknown } | undefined) => {
        route = value;
        if (typeof value?.path === 'string') matched = `${request.baseUrl}${value.path}`;
      },
    });
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const status = response.statusCode;
      const pattern = matched ?? (status === 404 ? 'unmatched' : 'unrouted');
      if (isWebhook(pattern)) {
        metrics.webhookSeconds.observe({ route: pattern, status: String(status) }, seconds);
        return;
      }
      metrics.requestSeconds.observe(
        { route: pattern, method: request.method, status_class: statusClass(status) },
        seconds,
      );
    });
    next();
  };
}

function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/** GET /metrics: the registry's text, unauthenticated (see the README on keeping it private). */
export function serveMetrics(metrics: ApiMetrics): RequestHandler {
  return (_request, response) => void writeMetrics(metrics.registry, response);
}
