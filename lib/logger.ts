/**
 * Structured JSON logs. Three layers keep what must not leak out of a line:
 * sensitive and content keys are censored at any depth (in the fields and in
 * child bindings), known header paths are redacted, and every E.164 number
 * left anywhere in the finished line (a message, an error's text, an array)
 * is masked, along with API keys and bearer tokens that slipped into text.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { maskPhoneNumber, maskPhoneNumbersIn } from './redact.js';

export type { Logger };

const HEADER_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-admin-key"]',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-stateset-signature"]',
];

/** Keys (compared lowercased, without `_` or `-`) whose values are credentials. */
const SECRET_KEYS = new Set([
  'authorization',
  'password',
  'token',
  'secret',
  'apikey',
  'authtoken',
  'streamtoken',
  'adminkey',
  'keyhash',
  'signature',
  'xtwiliosignature',
  'xadminkey',
  'cookie',
  'ciphertext',
  // A Temporal activity's task token completes the activity: the SDK's activity lines carry it.
  'tasktoken',
]);

/** Keys whose values are what callers said or what tools and models carried: never logged. */
const CONTENT_KEYS = new Set([
  'transcript',
  'text',
  'audio',
  'payload',
  'delta',
  'arguments',
  'output',
  'twiml',
  'instructions',
  'body',
]);

/** Top-level keys holding a number that may lack its `+` (the line-wide mask needs one). */
const PHONE_KEYS = new Set(['from', 'to', 'phoneNumber', 'caller', 'called', 'number']);

/** Deep enough for any field we log; deeper values are dropped rather than walked. */
const MAX_DEPTH = 6;

function normalizedKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function censor(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => censor(item, depth + 1));
  // Bytes may be audio: only their size is written.
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  // Dates, URLs and other values that serialize themselves are written as they say.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const normalized = normalizedKey(key);
    if (SECRET_KEYS.has(normalized)) copy[key] = '[redacted]';
    else if (CONTENT_KEYS.has(normalized)) copy[key] = '[omitted]';
    else copy[key] = censor(item, depth + 1);
  }
  return copy;
}

/** The fields of one line (or a child's bindings), copied with what must not show censored. */
export function censorFields(record: Record<string, unknown>): Record<string, unknown> {
  const copy = censor(record, 0) as Record<string, unknown>;
  for (const key of Object.keys(copy)) {
    const value = copy[key];
    if (PHONE_KEYS.has(key) && typeof value === 'string') copy[key] = maskPhoneNumber(value);
  }
  return copy;
}

const API_KEY = /\bssv_([0-9a-f]{4})[0-9a-f]*_[A-Za-z0-9_-]+/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** OpenAI keys, should a model error quote one. */
const OPENAI_KEY = /\bsk-[A-Za-z0-9_-]{8,}/g;

/** The finished line, as written: phone numbers masked, keys and bearer tokens cut. */
export function scrubLine(line: string): string {
  return maskPhoneNumbersIn(line)
    .replace(API_KEY, 'ssv_$1…[redacted]')
    .replace(BEARER, '$1 [redacted]')
    .replace(OPENAI_KEY, 'sk-[redacted]');
}

/** `destination` defaults to stdout; tests pass a stream to read every line written. */
export function createLogger(
  level = 'info',
  name = 'stateset-voice',
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: HEADER_PATHS, censor: '[redacted]' },
    formatters: { log: (record) => censorFields(record) },
    hooks: { streamWrite: scrubLine },
  };
  return censorChildBindings(destination ? pino(options, destination) : pino(options));
}

/**
 * Pino serializes a child's bindings once, without the log formatter: they are censored on
 * the way in. Children inherit this `child` through their prototype, so theirs are too.
 */
function censorChildBindings(logger: Logger): Logger {
  const { child: createChild } = Object.getPrototypeOf(logger) as { child: CreateChild };
  const censoredChild = function (
    this: Logger,
    bindings: pino.Bindings,
    childOptions?: pino.ChildLoggerOptions,
  ): Logger {
    return createChild.call(this, censorFields(bindings), childOptions);
  };
  logger.child = censoredChild as unknown as Logger['child'];
  return logger;
}

type CreateChild = (
  this: Logger,
  bindings: pino.Bindings,
  options?: pino.ChildLoggerOptions,
) => Logger;
