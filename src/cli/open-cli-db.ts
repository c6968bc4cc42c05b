import { openDb, type Database } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import type { Env } from '../config.js';

/**
 * Database for command-line tools: needs only DATABASE_URL / DATA_DIR (no Lark credentials).
 * Migrates first, so a CLI run on a fresh folder works. PGlite: refuses while the bot runs
 * (the folder lock) — stop the bot or use PostgreSQL.
 */
export async function openCliDb(env: Env): Promise<Database> {
  const databaseUrl = env.DATABASE_URL || undefined;
  const database = await openDb({ databaseUrl, dataDir: env.DATA_DIR || './data', maxConnections: 4 });
  await migrate(database, databaseUrl);
  return database;
}
