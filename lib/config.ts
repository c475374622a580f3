/**
 * The one place that reads the environment. Every variable is validated at
 * boot and every problem is reported at once, one line each.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));
const httpUrl = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));
const socketUrl = z.url({ protocol: /^wss?$/ });
const bytes = z.coerce.number().int().min(1_024);

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** The interface the api and the media bridge listen on; every interface by default. */
  LISTEN_HOST: z.string().trim().min(1).default('0.0.0.0'),
  API_PORT: port.default(3000),
  MEDIA_PORT: port.default(3001),
  PUBLIC_URL: httpUrl.default('http://localhost:3000'),
  MEDIA_STREAM_URL: socketUrl.default('ws://localhost:3001/media-stream'),
  STREAM_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters'),
  API_REQUESTS_PER_MINUTE_PER_ADDRESS: z.coerce.number().int().min(1).default(1_200),
  BRIDGE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),

  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  API_MAX_JSON_BODY_BYTES: bytes.default(64 * 1_024),
  TWILIO_MAX_WEBHOOK_BODY_BYTES: bytes.default(64 * 1_024),
  MEDIA_MAX_MESSAGE_BYTES: bytes.default(64 * 1_024),
  MEDIA_MAX_BUFFERED_BYTES: bytes.default(1_024 * 1_024),
  MEDIA_START_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),

  DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  EMBEDDED_DB_DIR: z.string().default('.data/postgres'),
  EMBEDDED_DB_PORT: port.default(54_329),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),

  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('voice-calls'),
  TEMPORAL_UI_URL: httpUrl.default('http://localhost:8233'),
  TEMPORAL_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(3_000),
  TEMPORAL_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  WORKFLOW_BUNDLE_PATH: optionalText,
  /** The worker's /metrics (its own and the Temporal SDK's, merged). */
  METRICS_PORT: port.default(9464),
  /** Where the Temporal SDK's exporter listens, on loopback only: the worker's /metrics merges it. */
  TEMPORAL_METRICS_PORT: port.default(9465),

  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/, 'must look like AC followed by 32 hex'),
  TWILIO_AUTH_TOKEN: z.string().min(1),
  TWILIO_API_BASE_URL: optionalText.pipe(httpUrl.optional()),

  OPENAI_API_KEY: z.string().min(1),
  OPENAI_BASE_URL: optionalText.pipe(httpUrl.optional()),
  OPENAI_REALTIME_MODEL: z.string().default('gpt-realtime'),
  OPENAI_EVALUATION_MODEL: z.string().default('gpt-4.1-mini'),
  MODEL_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),

  ADMIN_API_KEY: optionalText.pipe(z.string().min(24).optional()),
  SECRETS_MASTER_KEY: z.string().regex(/^[0-9a-f]{64}$/i, 'must be 32 bytes as 64 hex characters'),
});

export type Environment = z.input<typeof environmentSchema>;

export interface HttpTimeouts {
  /** Time to receive a request's headers (a slowloris, an upgrade that never finishes). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open. */
  keepAliveTimeoutMs: number;
}

export interface Config {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  listenHost: string;
  api: {
    port: number;
    publicUrl: string;
    requestsPerMinutePerAddress: number;
    /** Largest JSON body the API reads; larger is 413. */
    maxJsonBodyBytes: number;
    /** Largest Twilio webhook body read for its signature; larger is 413. */
    maxWebhookBodyBytes: number;
  };
  /** Timeouts of both HTTP servers (api and media bridge), against slow or stalled clients. */
  http: HttpTimeouts;
  media: {
    port: number;
    streamUrl: string;
    streamTokenSecret: string;
    /** How often the bridge instance heartbeats its registry row. */
    heartbeatMs: number;
    /** Largest WebSocket message taken from Twilio; larger closes the stream (1009). */
    maxMessageBytes: number;
    /** Bytes queued for a Twilio peer that stopped reading before it is dropped. */
    maxBufferedBytes: number;
    /** How long an upgraded stream may go without a valid `start`. */
    startTimeoutMs: number;
  };
  database: {
    url?: string;
    embeddedDirectory: string;
    embeddedPort: number;
    poolMax: number;
    connectTimeoutMs: number;
  };
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    connectTimeoutMs: number;
    /** One request from the api (start a call, signal it), its retries included. */
    requestTimeoutMs: number;
    workflowBundlePath?: string;
  };
  worker: {
    /** The worker's /metrics port (the api and the bridge serve /metrics on their own ports). */
    metricsPort: number;
    /** The Temporal SDK's Prometheus exporter, bound to 127.0.0.1. */
    temporalMetricsPort: number;
  };
  twilio: { accountSid: string; authToken: string; apiBaseUrl?: string };
  openai: {
    apiKey: string;
    baseUrl?: string;
    realtimeModel: string;
    evaluationModel: string;
    connectTimeoutMs: number;
  };
  adminApiKey?: string;
  secretsMasterKey: Buffer;
}

/** Thrown at boot when the environment is invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError([
      'HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
    ]);
  }
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    listenHost: e.LISTEN_HOST,
    api: {
      port: e.API_PORT,
      publicUrl: e.PUBLIC_URL,
      requestsPerMinutePerAddress: e.API_REQUESTS_PER_MINUTE_PER_ADDRESS,
      maxJsonBodyBytes: e.API_MAX_JSON_BODY_BYTES,
      maxWebhookBodyBytes: e.TWILIO_MAX_WEBHOOK_BODY_BYTES,
    },
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    media: {
      port: e.MEDIA_PORT,
      streamUrl: e.MEDIA_STREAM_URL,
      streamTokenSecret: e.STREAM_TOKEN_SECRET,
      heartbeatMs: e.BRIDGE_HEARTBEAT_MS,
      maxMessageBytes: e.MEDIA_MAX_MESSAGE_BYTES,
      maxBufferedBytes: e.MEDIA_MAX_BUFFERED_BYTES,
      startTimeoutMs: e.MEDIA_START_TIMEOUT_MS,
    },
    database: {
      url: e.DATABASE_URL,
      embeddedDirectory: e.EMBEDDED_DB_DIR,
      embeddedPort: e.EMBEDDED_DB_PORT,
      poolMax: e.DB_POOL_MAX,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
      connectTimeoutMs: e.TEMPORAL_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: e.TEMPORAL_REQUEST_TIMEOUT_MS,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    },
    worker: { metricsPort: e.METRICS_PORT, temporalMetricsPort: e.TEMPORAL_METRICS_PORT },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      realtimeModel: e.OPENAI_REALTIME_MODEL,
      evaluationModel: e.OPENAI_EVALUATION_MODEL,
      connectTimeoutMs: e.MODEL_CONNECT_TIMEOUT_MS,
    },
    adminApiKey: e.ADMIN_API_KEY,
    secretsMasterKey: Buffer.from(e.SECRETS_MASTER_KEY, 'hex'),
  };
}

/** For entry points: load, or print every problem and exit. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
