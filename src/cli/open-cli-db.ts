import { openDb, type Database } from '../db/client.js';
import { databaseConnectFailure } from '../db/connect-failure.js';
import { migrate, upgradedDatabaseText } from '../db/migrate.js';
import type { BaseConfig } from '../config.js';
import { AppError } from '../errors.js';

/** The code of the error openCliDb throws when PostgreSQL refuses or is not there (its message is the whole line). */
export const CLI_DATABASE_UNREACHABLE = 'database_unreachable_cli';

/**
 * Database for command-line tools: needs only DATABASE_URL / DATA_DIR (no Lark credentials; see
 * loadCliSettings). Migrates first, so a CLI run on a fresh folder works. PGlite: refuses while the
 * bot runs (the folder lock) — stop the bot or use PostgreSQL. An older database it upgrades is said on
 * `notice` (standard error: a command's output may be a table read by a program), from which migration
 * to which and that the older program can no longer open it, as the bot's start logs it: any command,
 * even `units list`, upgraded it without a word. PostgreSQL refusing or not there is said as the start
 * says it (connect-failure.ts, the password masked), with what to do before running the command again,
 * instead of the driver's English (`connect ECONNREFUSED 127.0.0.1:5432`).
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
    const unreachable = databaseConnectFailure(err, databaseUrl, envFiles, 'command');
    if (unreachable) throw new AppError(CLI_DATABASE_UNREACHABLE, unreachable.text, { cause: err });
    throw err;
  }
  return database;
}
