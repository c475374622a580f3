/** A logger whose every line is kept, for tests that count what the product logged. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../lib/logger.js';

export interface CapturedLog {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  /** Lines whose message is `msg`. */
  count(msg: string): number;
}

export function captureLog(level = 'info'): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return {
    logger: createLogger(level, 'test', sink),
    lines,
    count: (msg) => lines.filter((line) => line.msg === msg).length,
  };
}
