import { openDb, type Database } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import type { BaseConfig } from '../config.js';

/**
 * Database for command-line tools: needs only DATABASE_URL / DATA_DIR (no Lark credentials; see
 * loadCliSettings). Migrates first, so a CLI run on a fresh folder works. PGlite: refuses while the
 * bot runs (the folder lock) — stop the bot or use PostgreSQL.
 */
export async function openCliDb(settings: Pick<BaseConfig, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  const { databaseUrl, dataDir } = settings;
  const database = await openDb({ databaseUrl, dataDir, maxConnections: 4 });
  try {
    await migrate(database, databaseUrl, dataDir);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}
