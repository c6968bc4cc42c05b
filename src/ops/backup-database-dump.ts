import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { fromPglite, openPostgres, queryRows, type Db } from '../db/client.js';
import { lockDataDir } from '../db/lock-data-dir.js';
import { appliedMigrations, type AppliedMigrations } from '../db/migration-state.js';
import { libpqConnection } from '../child-environment.js';
import { AppError, errorMessage } from '../errors.js';

/** What the rest of a backup needs from its dump: the schema's migrations and every row of `blobs`. */
export interface Dumped {
  migrations: AppliedMigrations;
  /** Storage key -> recorded size. */
  blobRows: Map<string, number>;
}

/**
 * Dumps the PGlite folder `dir` into `file` while this process holds the folder lock (the bot must be
 * stopped), then runs `then` with the database still open (and locked): the materials of a damaged
 * file are looked up in it.
 */
export async function dumpPglite<T>(
  dir: string,
  file: string,
  then: (d: Dumped, db: Db) => Promise<T>,
): Promise<T> {
  if (!existsSync(dir)) throw new AppError('backup_no_database', `${dir} 里没有数据库，没有可备份的内容`);
  const release = await lockDataDir(dir).catch((err) => {
    if (err instanceof AppError && err.code === 'data_dir_locked')
      throw new AppError(
        'data_dir_locked',
        `数据库 ${dir} 正在被使用：请先停止机器人（systemctl stop archive-bot），再备份`,
      );
    throw err;
  });
  try {
    const client = await PGlite.create(dir);
    try {
      const { db } = fromPglite(client);
      const migrations = await appliedMigrations(db);
      const dump = await client.dumpDataDir('gzip');
      await writeFile(file, Buffer.from(await dump.arrayBuffer()));
      return await then({ migrations, blobRows: await blobRowsOf(db) }, db);
    } finally {
      await client.close();
    }
  } finally {
    await release();
  }
}

/**
 * Dumps the PostgreSQL database at `url` into `file` with `pg_dump` (a consistent snapshot while the
 * bot runs), then runs `then` on a new connection: the rows of `blobs` are read after the dump.
 */
export async function dumpPostgres<T>(
  url: string,
  file: string,
  then: (d: Dumped, db: Db) => Promise<T>,
): Promise<T> {
  const database = openPostgres(url, 1);
  let migrations: AppliedMigrations;
  try {
    migrations = await appliedMigrations(database.db as Db);
  } finally {
    await database.close();
  }
  const conn = libpqConnection(url);
  const res = spawnSync(
    'pg_dump',
    ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${conn.dbname}`],
    {
      encoding: 'utf8',
      env: conn.env,
    },
  );
  if (res.error)
    throw new AppError(
      'pg_dump_missing',
      `找不到 pg_dump（${errorMessage(res.error)}）：请安装与数据库服务器同版本的 PostgreSQL 客户端工具（Debian: apt-get install postgresql-client）`,
    );
  if (res.status !== 0) throw new AppError('pg_dump_failed', `pg_dump 失败：${res.stderr.trim()}`);
  // Read after the dump: every row it holds is here (rows are never deleted; the bot may add more).
  const after = openPostgres(url, 1);
  try {
    return await then({ migrations, blobRows: await blobRowsOf(after.db as Db) }, after.db as Db);
  } finally {
    await after.close();
  }
}

/** Every row of `blobs`: storage key -> recorded size (none before the table existed). */
async function blobRowsOf(db: Db): Promise<Map<string, number>> {
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('blobs') is not null as present`,
  );
  const rows = new Map<string, number>();
  if (!exists?.present) return rows;
  for (const r of await queryRows<{ key: string; size: number }>(
    db,
    sql`select storage_key as key, size_bytes::float8 as size from blobs`,
  ))
    rows.set(r.key, Number(r.size));
  return rows;
}
