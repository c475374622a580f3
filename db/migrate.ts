/** Applies the schema migrations in db/migrations (node-pg-migrate). */
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../lib/logger.js';

const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('./migrations', import.meta.url));

export async function migrateDatabase(databaseUrl: string, logger: Logger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIRECTORY,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    log: () => undefined,
  });
  const names = applied.map((migration) => migration.name);
  if (names.length > 0) logger.info({ migrations: names }, 'database migrated');
  return names;
}
