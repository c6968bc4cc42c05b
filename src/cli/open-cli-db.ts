import { openDb, type Database } from '../db/client.js';
import { migrate, upgradedDatabaseText } from '../db/migrate.js';
import type { BaseConfig } from '../config.js';

/**
 * Database for command-line tools: needs only DATABASE_URL / DATA_DIR (no Lark credentials; see
 * loadCliSettings). Migrates first, so a CLI run on a fresh folder works. PGlite: refuses while the
 * bot runs (the folder lock) — stop the bot or use PostgreSQL. An older database it upgrades is said on
 * `notice` (standard error: a command's output may be a table read by a program), from which migration
 * to which and that the older program can no longer open it, as the bot's start logs it: any command,
 * even `units list`, upgraded it without a word.
 */
export async function openCliDb(
  settings: Pick<BaseConfig, 'databaseUrl' | 'dataDir' | 'envFiles'>,
  notice: (line: string) => void = (line) => console.error(line),
): Promise<Database> {
  const { databaseUrl, dataDir, envFiles } = settings;
  const database = await openDb({ databaseUrl, dataDir, envFiles, maxConnections: 4 });
  try {
    const migrated = await migrate(database, databaseUrl, dataDir);
    if (migrated && migrated.from > 0) notice(upgradedDatabaseText(migrated));
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}
