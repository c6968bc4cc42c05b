import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { fromPglite, openPostgres, queryRows, type Db } from '../db/client.js';
import { lockDataDir } from '../db/lock-data-dir.js';
import { STOP_BOT_WAYS } from '../domain/stop-bot-text.js';
import { checkPgliteOwner } from '../db/pglite-owner.js';
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
  checkPgliteOwner(dirname(dir));
  const release = await lockDataDir(dir, 'backup').catch((err) => {
    if (err instanceof AppError && err.code === 'data_dir_locked')
      throw new AppError(
        'data_dir_locked',
        `数据库 ${dir} 正在被使用：请先停止机器人（${STOP_BOT_WAYS}），再备份`,
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
  await pgDump(url, file);
  // Read after the dump: every row it holds is here (rows are never deleted; the bot may add more).
  const after = openPostgres(url, 1);
  try {
    return await then({ migrations, blobRows: await blobRowsOf(after.db as Db) }, after.db as Db);
  } finally {
    await after.close();
  }
}

/**
 * Runs `pg_dump --format=custom` with the dump on its standard output, which this process streams into
 * `file` (made durable with the rest of the backup by its final flush). Not pg_dump's own --file: a
 * backup killed meanwhile would leave pg_dump holding its snapshot and writing the dump to the end by
 * itself; through the pipe, this process takes the reading end with it and pg_dump's next write fails
 * (SIGPIPE), so it stops. The event loop goes on meanwhile. A failed pg_dump (or write) removes `file`.
 */
async function pgDump(url: string, file: string): Promise<void> {
  const conn = libpqConnection(url);
  const child = spawn('pg_dump', ['--format=custom', '--no-owner', `--dbname=${conn.dbname}`], {
    env: conn.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Listening first: a spawn that fails (not installed, EMFILE) is told by an 'error' event, and a
  // child made without its pipes (EMFILE) has none to read.
  let startError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => (startError ??= err));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  if (!child.stdout || !child.stderr) {
    // No kill here: the failed child has no pid yet, and kill() would signal our own process group.
    await exited;
    throw new AppError(
      'pg_dump_failed',
      `pg_dump 无法启动：${errorMessage(startError ?? new Error('no pipes'))}`,
    );
  }
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A write that fails (the backup's disk full) ends pg_dump too, rather than leave it dumping.
  const written = pipeline(child.stdout, createWriteStream(file, { flags: 'wx' })).then(
    () => undefined,
    (err: unknown) => {
      child.kill();
      return err;
    },
  );
  const [{ code, signal }, writeError] = await Promise.all([exited, written]);
  if (startError || writeError !== undefined || code !== 0) await rm(file, { force: true });
  if (startError)
    throw new AppError(
      'pg_dump_missing',
      `找不到 pg_dump（${errorMessage(startError)}）：请安装与数据库服务器同版本的 PostgreSQL 客户端工具（Debian: apt-get install postgresql-client）`,
    );
  if (writeError !== undefined) throw writeError;
  if (code !== 0)
    throw new AppError(
      'pg_dump_failed',
      `pg_dump 失败：${stderr.trim() || (signal ? `被信号 ${signal} 结束` : `退出码 ${code}`)}`,
    );
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
