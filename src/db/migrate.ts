import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Database, Db } from './client.js';
import { AppError } from '../errors.js';
import { appliedMigrations, compareSchema, type SchemaStatus } from './migration-state.js';
import { MIGRATIONS_FOLDER } from './migrations-folder.js';

export { MIGRATIONS_FOLDER };

/**
 * Applies drizzle/ migrations. A database that already records the newest shipped migration (the usual
 * start) is left alone after one look at drizzle's table: the migrator would read and hash every
 * migration file and open a transaction to find nothing to do. drizzle's migrate() takes no lock, so on
 * PostgreSQL it runs on one dedicated connection holding an advisory lock: instances starting together
 * migrate one at a time (the migrator itself skips what another instance applied meanwhile). PGlite is
 * already single-process (its folder is locked).
 */
export async function migrate(
  database: Database,
  databaseUrl?: string,
  dataDir?: string,
): Promise<MigrationOutcome | undefined> {
  const before = await upToDate(database.db);
  if (before === 'current') return undefined;
  if (database.kind === 'pglite') {
    const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
    await migratePglite(database.db as any, { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    if (!databaseUrl) throw new Error('migrate: databaseUrl is required for PostgreSQL');
    if (dataDir) await refusePgliteLeftBehind(database.db, dataDir);
    await migratePostgresUrl(databaseUrl);
  }
  return { from: before, to: (await appliedMigrations(database.db)).count };
}

/**
 * What an upgrade did to the database, for the person who runs it (the bot's `database migrated` log
 * line, a command's standard error): the older program can no longer open it, only the backup goes back.
 */
export function upgradedDatabaseText(m: MigrationOutcome): string {
  return `数据库已升级：执行了 ${m.to - m.from} 个迁移（${m.from} → ${m.to}）。旧版本的程序打不开升级后的数据库，要退回只能用升级前的备份恢复`;
}

/**
 * Migrations this call found to apply: `from` recorded before (0: a new database), `to` after (on
 * PostgreSQL another instance may have applied some of them meanwhile).
 */
export interface MigrationOutcome {
  from: number;
  to: number;
}

/**
 * DATABASE_URL set on an installation that ran on the embedded database (README's advice: records kept
 * for decades belong in PostgreSQL): the bot set up the empty PostgreSQL database and ran on it, every
 * archived item left behind in DATA_DIR/pglite, the archive empty and new materials recorded apart from
 * the old ones. An empty PostgreSQL database beside an embedded one is refused before anything is written.
 */
async function refusePgliteLeftBehind(db: Db, dataDir: string): Promise<void> {
  if (!holdsPgliteArchive(dataDir)) return;
  if ((await appliedMigrations(db)).count > 0) return;
  const pglite = join(dataDir, 'pglite');
  throw new AppError('pglite_left_behind', `${pgliteLeftBehindText(pglite)}没有写入任何内容。`);
}

/** DATA_DIR/pglite holds an embedded database (an archive a blank PostgreSQL beside it would leave behind). */
export const holdsPgliteArchive = (dataDir: string): boolean =>
  existsSync(join(dataDir, 'pglite', 'PG_VERSION'));

/** Why an empty PostgreSQL beside DATA_DIR/pglite is refused, and the three ways on (the bot and the doctor say the same). */
export const pgliteLeftBehindText = (pglite: string): string =>
  `数据目录里有内置数据库（${pglite}）的档案，而 DATABASE_URL 指向的 PostgreSQL 数据库是空的：在空库上启动，已有的档案都看不到，新材料另记一处。` +
  '要把档案搬进这个 PostgreSQL：先停止机器人，用同样的 DATA_DIR 和 DATABASE_URL 运行 npm run cli -- db move-to-postgres，再启动；' +
  `要继续用内置数据库：去掉 DATABASE_URL；确实要从空的 PostgreSQL 重新开始：先把 ${pglite} 移到别处（mv ${pglite} ${pglite}.old）。`;

/**
 * 'current' when the newest shipped migration is recorded, else how many are. A database a newer program migrated (this program put back
 * without restoring the backup taken before the upgrade) is refused: this code does not know the tables
 * and triggers it would write to.
 */
async function upToDate(db: Db): Promise<'current' | number> {
  let schema: SchemaStatus;
  try {
    schema = compareSchema(await appliedMigrations(db));
  } catch (err) {
    // drizzle wraps the driver's error ("Failed query: …" and the parameters on a second line); a start
    // that cannot reach the database says the driver's one line (connect ECONNREFUSED …).
    throw (err as { cause?: unknown }).cause ?? err;
  }
  if (schema.kind === 'newer')
    throw new AppError(
      'database_newer_schema',
      `数据库已由更新版本的程序迁移（${schema.applied} 个迁移，本程序只认识 ${schema.known} 个）：请安装那个版本，或停用后用升级前的备份恢复到空的数据目录/数据库`,
    );
  return schema.kind === 'current' ? 'current' : schema.applied;
}

export async function migratePostgresUrl(databaseUrl: string): Promise<void> {
  const { migrate: migratePostgres } = await import('drizzle-orm/postgres-js/migrator');
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
