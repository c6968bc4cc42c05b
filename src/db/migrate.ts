import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Database } from './client.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Applies drizzle/ migrations. drizzle's migrate() takes no lock, so on PostgreSQL it runs on one
 * dedicated connection holding an advisory lock: instances starting together migrate one at a time.
 * PGlite is already single-process (its folder is locked).
 */
export async function migrate(database: Database, databaseUrl?: string): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as any, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  if (!databaseUrl) throw new Error('migrate: databaseUrl is required for PostgreSQL');
  await migratePostgresUrl(databaseUrl);
}

export async function migratePostgresUrl(databaseUrl: string): Promise<void> {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await client`select pg_advisory_lock(hashtext('archive_bot_drizzle_migrations'))`;
    try {
      await migratePostgres(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client`select pg_advisory_unlock(hashtext('archive_bot_drizzle_migrations'))`;
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}
