import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppliedMigrations } from '../db/migration-state.js';
import { AppError, errorMessage } from '../errors.js';
import type { SavedSetting } from './backup-settings.js';

/** backup.json: what a backup holds, read by restore before anything is written. */
export interface BackupInfo {
  /**
   * 2: the files are not in the backup, they stay in the object store (older programs refuse it);
   * listed in blobs-sha256.txt, with their sizes in blobs-size.txt (added within format 2: a format 2
   * backup without it is restored on its keys alone, and older programs ignore the file).
   */
  format: 1 | 2;
  version: string;
  createdAt: string;
  database: 'pglite' | 'postgres';
  migrations: AppliedMigrations;
  files: number;
  bytes: number;
  /**
   * What `npm run verify` counts in the whole archive at backup time (「N 条，M 个文件」: every 档号 record,
   * the files of the confirmed ones), for comparing after a restore. Absent in older backups.
   */
  archive?: { records: number; files: number };
  /** Set when the files were in an object store (BLOB_STORE=s3); absent: DATA_DIR/files. */
  store?: { kind: 's3'; name: string; filesIncluded: boolean };
  /**
   * Files the database records that were damaged or missing when the backup was made: left out of the
   * backup (and of its blob list), listed in DAMAGED.txt too. Absent: none (and in older backups).
   */
  damaged?: DamagedFile[];
  /**
   * The county's settings files and the session key, copied under settings/ (restore puts them back
   * where the new machine's settings name them). Absent in older backups.
   */
  settings?: SavedSetting[];
  /** What the backup does not hold and must be kept apart (zh-CN): the settings file with the secrets. */
  notInBackup?: string;
}

/** A file left out of a backup: its key, why (zh-CN), and the ids of the materials stored in it. */
export interface DamagedFile {
  key: string;
  reason: string;
  materials: number[];
}

export const BACKUP_INFO = 'backup.json';
export const PGLITE_DUMP = 'database/pglite.tar.gz';
export const POSTGRES_DUMP = 'database/postgres.dump';
/** In a backup that left out damaged or missing files: one line per file (BackupInfo.damaged). */
export const DAMAGED_LIST = 'DAMAGED.txt';

/**
 * Why `dir` is not a backup, in words: a mistyped folder, or one level too deep or too high (it said
 * `读不了 backup.json：ENOENT: no such file or directory, open …` for both).
 */
function unreadableBackup(dir: string, err: unknown): string {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
    if (!existsSync(dir)) return `找不到备份目录 ${dir}：没有这个文件夹（路径写错了？）`;
    return `${dir} 里没有 ${BACKUP_INFO}，不是备份目录：--from 要写 backup --out 建的那个文件夹（里面有 ${BACKUP_INFO} 和 manifest-sha256.txt）`;
  }
  return `${dir} 不是可用的备份（读不了 ${BACKUP_INFO}：${errorMessage(err)}）`;
}

/** The backup.json of the backup folder `dir`, refused when unreadable or of an unknown format. */
export async function readBackupInfo(dir: string): Promise<BackupInfo> {
  let info: BackupInfo;
  try {
    info = JSON.parse(await readFile(join(dir, BACKUP_INFO), 'utf8'));
  } catch (err) {
    throw new AppError('backup_unreadable', unreadableBackup(dir, err), { cause: err });
  }
  if (info.format !== 1 && info.format !== 2)
    throw new AppError(
      'backup_newer_schema',
      `备份格式 ${String(info.format)} 不认识：请用更新版本的程序恢复`,
    );
  return info;
}
