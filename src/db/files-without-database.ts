import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BaseConfig } from '../config.js';
import type { Db } from './client.js';
import { findInstallation } from './repos/installation.js';
import { materials } from './schema/materials.js';
import { AppError } from '../errors.js';
import { withoutPassword } from './pglite-moved.js';
import type { BlobStore } from '../ports/blob-store.js';

/**
 * An archive's stored originals (DATA_DIR/files/blobs/…, or the bucket's) with a database that is new or
 * holds no material: the data folder without its pglite/ (a restore not yet run, a move to a new machine),
 * DATABASE_URL left out of the settings file after `db move-to-postgres`, or pointing at a fresh empty
 * PostgreSQL database. Started so, the bot made a new database, ran catch-up reminders on an empty archive
 * and recorded Lark's messages apart from the archive. The start is refused before anything is written.
 */
export interface FilesWithoutDatabase {
  /** Where the originals are (the folder, or the bucket and prefix), for the message. */
  storeText: string;
  /** A local store's folder (the originals' age is read there), undefined for a bucket. */
  localRoot?: string;
  /** The database the start would use, for the message: the embedded one's folder, or the URL without password. */
  databaseText: string;
  /** The settings files this process read (the message names where DATABASE_URL goes). */
  settingsFiles: readonly string[];
}

/**
 * Where the start would look and what it would open, from its settings: the store (DATA_DIR/files, or the
 * bucket and prefix) and the database (DATA_DIR/pglite, or DATABASE_URL without its password). startBot and
 * doctor (which predicts the refusal) describe them alike.
 */
export function filesWithoutDatabasePlace(
  config: Pick<BaseConfig, 'dataDir' | 'databaseUrl' | 'blobStore' | 'envFiles'>,
): FilesWithoutDatabase {
  const store = config.blobStore;
  const local = store.kind === 'local' ? join(config.dataDir, 'files') : undefined;
  return {
    storeText:
      store.kind === 'local' ? local! : `存储桶 ${store.bucket}${store.prefix ? `（${store.prefix}）` : ''}`,
    localRoot: local,
    databaseText: config.databaseUrl
      ? `DATABASE_URL 指向的 PostgreSQL 数据库（${withoutPassword(config.databaseUrl)}）`
      : `内置数据库（${join(config.dataDir, 'pglite')}）`,
    settingsFiles: config.envFiles ?? [],
  };
}

/** Before the database is created or set up (no DATA_DIR/pglite, or an empty PostgreSQL): any original refuses. */
export async function refuseNewDatabaseBesideFiles(
  blobs: BlobStore,
  where: FilesWithoutDatabase,
): Promise<void> {
  const refused = await newDatabaseBesideFiles(blobs, where);
  if (refused) throw new AppError('files_without_database', `${refused}没有写入任何内容。`);
}

/**
 * Why a start would be refused before it creates or sets up the database, or undefined when the store
 * holds no original (doctor says it before a start; it creates nothing either).
 */
export async function newDatabaseBesideFiles(
  blobs: BlobStore,
  where: FilesWithoutDatabase,
): Promise<string | undefined> {
  const found = await firstOriginal(blobs);
  return found ? filesWithoutDatabaseText(where, found, 'new') : undefined;
}

/**
 * A migrated database with no material: refused when the originals are older than it. A database no bot
 * has started on (a command-line action made it: no installation row) is new; one the bot started on has
 * its first start's time, and an original stored after it (a first download cut off before its material
 * was recorded) is its own, not an archive's. A bucket does not say its objects' age here: only a
 * database no bot started on is refused there.
 */
export async function refuseEmptyDatabaseBesideFiles(
  db: Db,
  blobs: BlobStore,
  where: FilesWithoutDatabase,
): Promise<void> {
  const refused = await emptyDatabaseBesideFiles(db, blobs, where);
  if (refused) throw new AppError('files_without_database', refused);
}

/** Why a start would be refused on this migrated database (it only reads), or undefined. */
export async function emptyDatabaseBesideFiles(
  db: Db,
  blobs: BlobStore,
  where: FilesWithoutDatabase,
): Promise<string | undefined> {
  // One row is enough (a count would read the whole table of a large archive at every start).
  if ((await db.select({ id: materials.id }).from(materials).limit(1)).length > 0) return undefined;
  const installed = await findInstallation(db);
  if (installed && !where.localRoot) return undefined;
  const found = await firstOriginal(blobs, (key) => {
    if (!installed) return true;
    const mtime = statSync(resolve(where.localRoot!, key), { throwIfNoEntry: false })?.mtimeMs;
    return mtime !== undefined && mtime < installed.installedAt.getTime();
  });
  return found ? filesWithoutDatabaseText(where, found, 'empty') : undefined;
}

/** The first stored original (matching `older`, when given; at most a few thousand looked at). */
async function firstOriginal(
  blobs: BlobStore,
  older?: (key: string) => boolean,
): Promise<string | undefined> {
  let looked = 0;
  for await (const page of blobs.listBlobs()) {
    for (const key of page) {
      if (!older || older(key)) return key;
      if (++looked >= 5000) return undefined;
    }
  }
  return undefined;
}

/** The refusal's text (the start adds, for a new database, that it wrote nothing). */
function filesWithoutDatabaseText(w: FilesWithoutDatabase, key: string, kind: 'new' | 'empty'): string {
  const file =
    w.settingsFiles.length > 0
      ? ` ${w.settingsFiles.join('、')} `
      : '设置文件（服务器上是 /etc/archive-bot/archive-bot.env，PC 上是程序目录的 .env）';
  const database = `${/^[A-Za-z]/.test(w.databaseText) ? ' ' : ''}${w.databaseText}${kind === 'new' ? '是新的' : '里一件材料也没有'}`;
  return (
    `${w.storeText} 里有已存档的原件（如 ${key}），而${database}：这样启动，已有的档案都看不到，新消息会记到另一个数据库里。` +
    `请检查${file}里的 DATABASE_URL（档案搬到了 PostgreSQL 的，要写上那个数据库的地址）；` +
    '换了机器或重装的，先停着机器人用 npm run cli -- restore 恢复备份，再启动。' +
    `确实要在空数据库上从头开始：${w.localRoot ? `先把原件移到别处（mv ${w.localRoot} ${w.localRoot}.old）` : '换一个空的存储桶或 S3_PREFIX'}。`
  );
}
