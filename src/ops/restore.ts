import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { openPostgres, queryRows } from '../db/client.js';
import { lockDataDir } from '../db/lock-data-dir.js';
import { bundledMigrations, compareSchema } from '../db/migration-state.js';
import { libpqConnection } from '../child-environment.js';
import { AppError, errorMessage } from '../errors.js';
import { flushToDisk } from '../archive/flush-to-disk.js';
import type { BlobStore } from '../ports/blob-store.js';
import { BACKUP_INFO, PGLITE_DUMP, POSTGRES_DUMP, type BackupInfo } from './backup.js';
import { listFiles, verifyManifest } from './backup-manifest.js';
import { missingFromStore } from './backup-object-store.js';

export interface RestoreInput {
  from: string;
  dataDir: string;
  databaseUrl?: string;
  /** The configured store when it is an object store (BLOB_STORE=s3). */
  objectStore?: { blobs: BlobStore; name: string };
}

/**
 * Restores a backup folder into an empty data folder (and, for a PostgreSQL backup, an empty
 * database). Everything is checked before anything is written: the manifest (every file's SHA-256),
 * the schema (not newer than this program's migrations), the kind of database, the empty target.
 * Older schemas are fine: the bot migrates them at its next start.
 */
export async function restoreData(input: RestoreInput): Promise<BackupInfo> {
  const info = await readInfo(input.from);
  const problems = await verifyManifest(input.from);
  if (problems.length > 0)
    throw new AppError(
      'backup_damaged',
      `备份已损坏，什么也没有恢复：\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  const schema = compareSchema(info.migrations, bundledMigrations());
  if (schema.kind === 'newer')
    throw new AppError(
      'backup_newer_schema',
      `备份来自更新版本的程序（数据库已有 ${schema.applied} 个迁移，本程序只认识 ${schema.known} 个）：请先安装新版本，再恢复`,
    );
  if (info.database === 'pglite' && input.databaseUrl)
    throw new AppError('backup_kind', '这是内置数据库（PGlite）的备份：恢复时不要设置 DATABASE_URL');
  if (info.database === 'postgres' && !input.databaseUrl)
    throw new AppError('backup_kind', '这是 PostgreSQL 的备份：请设置 DATABASE_URL（一个空数据库）再恢复');
  await refuseNonEmptyDir(input.dataDir);
  if (input.databaseUrl) await refuseNonEmptyDatabase(input.databaseUrl);
  await checkFilesTarget(input, info);

  if (info.database === 'pglite')
    await loadPglite(join(input.from, PGLITE_DUMP), join(input.dataDir, 'pglite'));
  else pgRestore(join(input.from, POSTGRES_DUMP), input.databaseUrl!);
  const files = join(input.from, 'files');
  if (existsSync(files))
    for (const rel of await listFiles(files)) {
      const target = join(input.dataDir, 'files', rel);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(files, rel), target);
    }
  if (existsSync(input.dataDir)) await flushToDisk(input.dataDir);
  return info;
}

/**
 * Where the files go. A backup that holds them restores them into DATA_DIR/files (a local store);
 * one that only lists them (an object store's backup without --include-files) needs that store
 * configured, holding every blob it lists.
 */
async function checkFilesTarget(input: RestoreInput, info: BackupInfo): Promise<void> {
  const listedOnly = info.store !== undefined && !info.store.filesIncluded;
  if (!listedOnly) {
    if (input.objectStore)
      throw new AppError(
        'backup_has_files',
        '这个备份里有文件：请用 BLOB_STORE=local 恢复到 DATA_DIR/files（之后可以用 storage migrate --to s3 迁到存储桶）',
      );
    return;
  }
  if (!input.objectStore)
    throw new AppError(
      'backup_needs_store',
      `这个备份不含文件，文件在存储桶 ${info.store!.name}：请设置 BLOB_STORE=s3 和 S3_* 指向它，再恢复`,
    );
  const missing = await missingFromStore(input.objectStore.blobs, input.from);
  if (missing.length > 0)
    throw new AppError(
      'backup_store_incomplete',
      `存储桶 ${input.objectStore.name} 里缺少备份清单上的 ${missing.length} 个文件，什么也没有恢复：\n${missing
        .slice(0, 20)
        .map((k) => `  - ${k}`)
        .join('\n')}`,
    );
}

async function readInfo(dir: string): Promise<BackupInfo> {
  let info: BackupInfo;
  try {
    info = JSON.parse(await readFile(join(dir, BACKUP_INFO), 'utf8'));
  } catch (err) {
    throw new AppError(
      'backup_unreadable',
      `${dir} 不是可用的备份（读不了 ${BACKUP_INFO}：${errorMessage(err)}）`,
    );
  }
  if (info.format !== 1 && info.format !== 2)
    throw new AppError(
      'backup_newer_schema',
      `备份格式 ${String(info.format)} 不认识：请用更新版本的程序恢复`,
    );
  return info;
}

async function refuseNonEmptyDir(dir: string): Promise<void> {
  const entries = existsSync(dir) ? await readdir(dir) : [];
  if (entries.length > 0)
    throw new AppError(
      'restore_target_not_empty',
      `数据目录 ${dir} 不是空的（有 ${entries.slice(0, 5).join('、')}）：恢复只写入空目录，不会覆盖现有数据`,
    );
}

async function refuseNonEmptyDatabase(url: string): Promise<void> {
  const database = openPostgres(url, 1);
  try {
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from information_schema.tables
          where table_schema not in ('pg_catalog', 'information_schema')`,
    );
    if ((row?.n ?? 0) > 0)
      throw new AppError(
        'restore_target_not_empty',
        `DATABASE_URL 指向的数据库不是空的（有 ${row!.n} 张表）：恢复只写入空数据库，不会覆盖现有数据`,
      );
  } finally {
    await database.close();
  }
}

async function loadPglite(dump: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const release = await lockDataDir(dir);
  try {
    const client = await PGlite.create(dir, { loadDataDir: new Blob([await readFile(dump)]) });
    await client.query('select 1');
    await client.close();
  } finally {
    await release();
  }
}

function pgRestore(dump: string, url: string): void {
  const conn = libpqConnection(url);
  const res = spawnSync('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${conn.dbname}`, dump], {
    encoding: 'utf8',
    env: conn.env,
  });
  if (res.error)
    throw new AppError(
      'pg_restore_missing',
      `找不到 pg_restore（${errorMessage(res.error)}）：请安装 PostgreSQL 客户端工具（Debian: apt-get install postgresql-client）`,
    );
  if (res.status !== 0) throw new AppError('pg_restore_failed', `pg_restore 失败：${res.stderr.trim()}`);
}
