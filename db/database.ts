/**
 * The one module that owns the connection pool. It logs each query's duration
 * and row count (never its parameters), releases clients in `finally`, and
 * turns connection failures into DependencyUnavailableError so callers answer
 * 503 instead of hanging or crashing.
 */
import pg from 'pg';
import { AppError, DependencyUnavailableError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/** What both the pool and a transaction's client offer. */
export interface Queryable {
  query<Row extends pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<Row>>;
}

export interface Database extends Queryable {
  transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
  /** Reads that must agree with one another: one read-only snapshot (REPEATABLE READ). */
  snapshot<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs?: number;
}

/**
 * SQLSTATEs that mean the server, not the query, is the problem: shutting down, starting
 * up, too many connections, and 57014, a statement cancelled by statement_timeout (the
 * database is too slow or stuck behind a lock: a client should retry, not see a 500).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_STATES.has(code) || code.startsWith('08')) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code))
      return true;
  }
  // node-postgres reports pool and connect timeouts without a code.
  return /timeout exceeded when trying to connect|Connection terminated/i.test(error.message);
}

/**
 * SQLSTATE class 22 (data exception): a value PostgreSQL cannot store, such as
 * a NUL byte or a lone surrogate in text. The input is at fault, not the server.
 */
function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('22');
}

function translate(error: unknown): unknown {
  if (isConnectionFailure(error))
    return new DependencyUnavailableError('database', { cause: error });
  if (isDataException(error)) {
    return new AppError(
      400,
      'invalid_request',
      'a value contains characters that cannot be stored',
      undefined,
      {
        cause: error,
      },
    );
  }
  return error;
}

export function openDatabase(options: DatabaseOptions, logger: Logger): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
  });
  // An idle client dying (server restart, network blip) must not kill the process.
  pool.on('error', (error) => logger.warn({ err: error.message }, 'idle database client failed'));

  async function query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
    const startedAt = performance.now();
    try {
      const result = await pool.query<Row>(sql, params);
      logger.debug(
        { durationMs: Math.round(performance.now() - startedAt), rows: result.rowCount },
        'query',
      );
      return result;
    } catch (error) {
      throw translate(error);
    }
  }

  async function transaction<T>(
    work: (client: Queryable) => Promise<T>,
    begin = 'BEGIN',
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw translate(error);
    }
    try {
      await client.query(begin);
      const result = await work({
        query: <Row extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
          client.query<Row>(sql, params),
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw translate(error);
    } finally {
      client.release();
    }
  }

  return {
    query,
    transaction: (work) => transaction(work),
    snapshot: (work) => transaction(work, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'),
    ping: async () => {
      await query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
