/**
 * Structured JSON logs. Sensitive keys are censored wherever they appear, and
 * phone numbers are masked before they reach a line.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { maskPhoneNumber } from './redact.js';

export type { Logger };

const SENSITIVE_PATHS = [
  'authorization',
  'password',
  'token',
  'secret',
  'apiKey',
  'authToken',
  'streamToken',
  '*.authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.authToken',
  '*.streamToken',
  'req.headers.authorization',
  'req.headers["x-admin-key"]',
  'req.headers["x-twilio-signature"]',
  'adminKey',
  '*.adminKey',
  'key_hash',
  '*.key_hash',
];

const PHONE_KEYS = new Set(['from', 'to', 'phoneNumber', 'caller', 'called', 'number']);

/** `destination` defaults to stdout; tests pass a stream to read every line written. */
export function createLogger(
  level = 'info',
  name = 'stateset-voice',
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: SENSITIVE_PATHS, censor: '[redacted]' },
    formatters: {
      log(record) {
        for (const key of Object.keys(record)) {
          const value = record[key];
          if (PHONE_KEYS.has(key) && typeof value === 'string')
            record[key] = maskPhoneNumber(value);
        }
        return record;
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
