import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { openPostgres, queryRows } from '../db/client.js';
import { AppError } from '../errors.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { BackupInfo } from './backup-info.js';
import { missingFromStore } from './backup-object-store.js';

/** host:port/database of a PostgreSQL URL (no user, no password): which database a marker means. */
export function databaseTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || '5432'}/${decodeURIComponent(u.pathname.slice(1))}`;
}

/**
 * Refuses a data folder holding anything but `allowed` (what an unfinished restore's marker names) and an
 * empty lost+found (or one this user may not list): a freshly formatted disk mounted at DATA_DIR holds just
 * that, and the `mv` the refusal suggests fails on a mount point (EBUSY).
 */
export async function refuseNonEmptyDir(dir: string, allowed: string[]): Promise<void> {
  const entries = (existsSync(dir) ? await readdir(dir) : []).filter(
    (e) => !allowed.includes(e) && !(e === 'lost+found' && emptyFolder(join(dir, e))),
  );
  if (entries.length > 0)
    throw new AppError(
      'restore_target_not_empty',
      `数据目录 ${dir} 不是空的（有 ${entries.slice(0, 5).join('、')}）：恢复只写入空目录，不会覆盖现有数据。` +
        `先把它移开保留（mv ${dir} ${dir}.before-restore；服务的数据目录再用 install -d -o archive-bot -g archive-bot -m 750 ${dir} 建回空目录），再运行一次 restore`,
    );
}

/**
 * An empty folder, or one this user may not list (mkfs makes lost+found root's, 0700, and the restore runs
 * as the service user): the restore never writes into it.
 */
function emptyFolder(path: string): boolean {
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return false;
  try {
    return readdirSync(path).length === 0;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
}

export async function refuseNonEmptyDatabase(url: string): Promise<void> {
  const n = await tableCount(url);
  if (n > 0)
    throw new AppError(
      'restore_target_not_empty',
      `DATABASE_URL 指向的数据库不是空的（有 ${n} 张表）：恢复只写入空数据库，不会覆盖现有数据。${emptyDatabaseHint(url)}`,
    );
}

/** How to set a database aside and make an empty one under its name (README → Restore). */
function emptyDatabaseHint(url: string): string {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  const owner = decodeURIComponent(u.username) || 'postgres';
  return (
    `先把它改名保留，再建一个同名的空数据库：sudo -u postgres psql -c 'ALTER DATABASE ${name} RENAME TO ${name}_before_restore' ` +
    `-c 'CREATE DATABASE ${name} OWNER ${owner}'，再运行一次 restore`
  );
}

/** How many tables (and views) the database at `url` has outside the system schemas. */
async function tableCount(url: string): Promise<number> {
  const database = openPostgres(url, 1);
  try {
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from information_schema.tables
          where table_schema not in ('pg_catalog', 'information_schema')`,
    );
    return row?.n ?? 0;
  } finally {
    await database.close();
  }
}

/**
 * Where the files go. A backup that holds them restores them into DATA_DIR/files (a local store);
 * one that only lists them (an object store's backup without --include-files) needs that store
 * configured, holding every blob it lists.
 */
export async function checkFilesTarget(
  from: string,
  info: BackupInfo,
  objectStore: { blobs: BlobStore; name: string } | undefined,
): Promise<void> {
  const listedOnly = info.store !== undefined && !info.store.filesIncluded;
  if (!listedOnly) {
    if (objectStore)
      throw new AppError(
        'backup_has_files',
        '这个备份里有文件：请用 BLOB_STORE=local 恢复到 DATA_DIR/files（之后可以用 storage migrate --to s3 迁到存储桶）',
      );
    return;
  }
  if (!objectStore)
    throw new AppError(
      'backup_needs_store',
      `这个备份不含文件，文件在存储桶 ${info.store!.name}：请设置 BLOB_STORE=s3 和 S3_* 指向它，再恢复`,
    );
  const missing = await missingFromStore(objectStore.blobs, from);
  if (missing.length > 0)
    throw new AppError(
      'backup_store_incomplete',
      `存储桶 ${objectStore.name} 里缺少备份清单上的 ${missing.length} 个文件，什么也没有恢复：\n${missing
        .slice(0, 20)
        .map((k) => `  - ${k}`)
        .join('\n')}`,
    );
}
