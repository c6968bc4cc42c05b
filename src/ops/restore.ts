import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bundledMigrations, compareSchema } from '../db/migration-state.js';
import { flushToDisk } from '../archive/flush-to-disk.js';
import { AppError } from '../errors.js';
import { identityText, isGone, parseIdentity, selfIdentity } from '../process-identity.js';
import type { BlobStore } from '../ports/blob-store.js';
import { PGLITE_DUMP, POSTGRES_DUMP, readBackupInfo, type BackupInfo } from './backup-info.js';
import { verifyManifest } from './backup-manifest.js';
import { dumpObjects } from './pg-dump-objects.js';
import { pgRestore } from './pg-restore.js';
import { loadPgliteDump } from './pglite-load.js';
import { copyBackupFiles } from './restore-copy-files.js';
import { restoreSessionSecret, restoreSettings, type SettingsPlaces } from './backup-settings.js';
import { endLeftoverRestore } from './restore-leftover.js';
import {
  readRestoreMarker,
  removeRestoreMarker,
  RESTORE_MARKER,
  RESTORE_MARKER_TMP,
  unfinishedRestoreText,
  writeRestoreMarker,
  type RestoreMarker,
} from './restore-marker.js';
import {
  checkFilesTarget,
  databaseTarget,
  refuseNonEmptyDatabase,
  refuseNonEmptyDir,
} from './restore-target-checks.js';
import { undoAfterFailure, undoRestore } from './restore-undo.js';
import { BACKUP_STATUS_FILE } from './backup-status.js';

export interface RestoreInput {
  from: string;
  dataDir: string;
  databaseUrl?: string;
  /** The configured store when it is an object store (BLOB_STORE=s3). */
  objectStore?: { blobs: BlobStore; name: string };
  /** Told, one line each (zh-CN), what a retry did before it restored (the CLI prints it). */
  report?: (line: string) => void;
  /** Where this machine's settings name the settings files (the backup's are put back there). */
  settings?: SettingsPlaces;
}

export interface RestoreResult {
  info: BackupInfo;
  /** The settings files put back or alike (`done`), and those to copy by hand (`todo`), one line each. */
  settings: { done: string[]; todo: string[] };
}

/**
 * Restores a backup folder into an empty data folder (and, for a PostgreSQL backup, an empty
 * database). Everything is checked before anything is written: the manifest (every file's SHA-256),
 * the schema (not newer than this program's migrations), the kind of database, the empty target.
 * Older schemas are fine: the bot migrates them at its next start.
 *
 * Before the first write, DATA_DIR/RESTORE-INCOMPLETE records what this restore is about to create; it
 * is removed only after every file is copied, verified against the manifest and flushed. A restore
 * that dies part-way (killed, power cut) leaves it: the bot refuses to start, and the next restore into
 * the folder first removes exactly what the marker names (on PostgreSQL the objects the dump created),
 * after ending the pg_restore it may have left running and that pg_restore's connection.
 * A failure this restore catches removes what it wrote at once.
 *
 * The backup's session key goes into DATA_DIR with the rest (named in the marker); once all is in place,
 * its settings files go where this machine's settings name them (backup-settings.ts: never over a
 * different file; what could not be put back is said with the command that copies it).
 */
export async function restoreData(input: RestoreInput): Promise<RestoreResult> {
  const info = await readBackupInfo(input.from);
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
  const unfinished = readRestoreMarker(input.dataDir);
  if (unfinished === 'unreadable')
    throw new AppError(
      'restore_marker_unreadable',
      `${unfinishedRestoreText(input.dataDir, unfinished)}，不知道它写了什么：请手动检查并清空数据目录${input.databaseUrl ? '和数据库' : ''}，再恢复`,
    );
  const holder = unfinished?.by ? parseIdentity(unfinished.by) : undefined;
  if (holder && holder.host === hostname() && !isGone(holder))
    throw new AppError(
      'restore_in_progress',
      `${unfinishedRestoreText(input.dataDir, unfinished!)}，它的进程 ${holder.pid} 还在运行：请等它结束（或停止它）再恢复`,
    );
  const target = input.databaseUrl ? databaseTarget(input.databaseUrl) : undefined;
  const earlierDb = unfinished?.created.database;
  if (earlierDb && earlierDb.target !== target)
    throw new AppError(
      'restore_marker_other_database',
      `${unfinishedRestoreText(input.dataDir, unfinished!)}，那次写入了 PostgreSQL 数据库 ${earlierDb.target}：请让 DATABASE_URL 指向它，用 PostgreSQL 备份再恢复（会先清除那次写入的内容）`,
    );
  await refuseNonEmptyDir(input.dataDir, [
    RESTORE_MARKER_TMP,
    // A backup's record (a backup tried here before the restore): not the archive.
    BACKUP_STATUS_FILE,
    ...(unfinished ? [RESTORE_MARKER, ...unfinished.created.entries] : []),
  ]);
  if (input.databaseUrl && !earlierDb) await refuseNonEmptyDatabase(input.databaseUrl);
  await checkFilesTarget(input.from, info, input.objectStore);
  const dump = join(input.from, info.database === 'pglite' ? PGLITE_DUMP : POSTGRES_DUMP);
  const objects = input.databaseUrl ? dumpObjects(dump) : [];

  if (unfinished) {
    const ended = input.databaseUrl ? await endLeftoverRestore(unfinished, input.databaseUrl) : [];
    for (const line of ended) input.report?.(line);
    await undoRestore(input, unfinished, 'retry');
    if (input.databaseUrl) await refuseNonEmptyDatabase(input.databaseUrl);
    input.report?.(`已清除上次没有完成的恢复（开始于 ${unfinished.startedAt}）写入的内容，重新恢复`);
  }
  const files = join(input.from, 'files');
  const hasFiles = existsSync(files);
  const marker: RestoreMarker = {
    from: resolve(input.from),
    startedAt: new Date().toISOString(),
    by: identityText(selfIdentity()),
    backup: { createdAt: info.createdAt, version: info.version, database: info.database },
    created: {
      dataDir: unfinished ? unfinished.created.dataDir : !existsSync(input.dataDir),
      entries: [
        ...(info.database === 'pglite' ? ['pglite', 'pglite.lock', 'pglite.owner'] : []),
        ...(hasFiles ? ['files'] : []),
        ...(info.settings?.some((s) => s.kind === 'session-secret') ? ['session-secret'] : []),
      ],
      ...(target
        ? {
            database: {
              target,
              objects,
              loaded: false,
              pgRestore: { applicationName: `archive-bot-restore:${randomBytes(6).toString('hex')}` },
            },
          }
        : {}),
    },
  };
  await mkdir(input.dataDir, { recursive: true });
  await writeRestoreMarker(input.dataDir, marker);
  try {
    if (info.database === 'pglite') await loadPgliteDump(dump, join(input.dataDir, 'pglite'));
    else {
      const database = marker.created.database!;
      await pgRestore(dump, input.databaseUrl!, database.pgRestore!.applicationName, async (child) => {
        database.pgRestore!.process = child;
        await writeRestoreMarker(input.dataDir, marker);
      });
      // pg_restore committed (one transaction): from now on the database holds what this restore made.
      database.loaded = true;
      await writeRestoreMarker(input.dataDir, marker);
    }
    if (hasFiles) await copyBackupFiles(input.from, join(input.dataDir, 'files'));
    await restoreSessionSecret(input.from, info.settings ?? [], input.dataDir);
    await flushToDisk(input.dataDir);
  } catch (err) {
    throw await undoAfterFailure(input, marker, err);
  }
  await removeRestoreMarker(input.dataDir);
  const settings = input.settings
    ? await restoreSettings(input.from, info.settings, input.settings)
    : { done: [], todo: [] };
  return { info, settings };
}
