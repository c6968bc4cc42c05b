import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from './errors.js';
import {
  RESTORE_MARKER,
  readRestoreMarker,
  restoreAgainText,
  unfinishedRestoreText,
} from './ops/restore-marker.js';

/**
 * The data folder must be writable before anything opens in it (the embedded database, stored files,
 * exports). A read-only mount or a folder owned by someone else is said in one plain line, instead of
 * surfacing later as ENOENT or EACCES from deep inside the database or the file store.
 */
export function checkDataDirWritable(dataDir: string): void {
  const dir = resolve(dataDir);
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    if (code === 'ENOTDIR' || code === 'EEXIST')
      throw new AppError(
        'data_dir_not_a_folder',
        `数据目录 ${dir} 不是文件夹（${code}）。The data folder ${dir} is not a folder; check DATA_DIR.`,
      );
    throw new AppError(
      'data_dir_read_only',
      `数据目录 ${dir} 不可写（只读或没有权限，${code}）：请检查 DATA_DIR 的挂载和属主。The data folder ${dir} is read-only or not writable by this user (${code}); check DATA_DIR's mount and owner.`,
    );
  }
}

/**
 * A restore that did not finish (DATA_DIR/RESTORE-INCOMPLETE, see ops/restore-marker.ts) leaves a
 * database whose stored files may be missing: the bot does not start on it, in one plain line.
 */
export function checkNoUnfinishedRestore(dataDir: string): void {
  const marker = readRestoreMarker(dataDir);
  if (!marker) return;
  const dir = resolve(dataDir);
  throw new AppError(
    'restore_incomplete',
    `${unfinishedRestoreText(dataDir, marker)}：机器人不在不完整的数据上启动，${restoreAgainText(marker)}。The data folder ${dir} holds a restore that did not finish (${RESTORE_MARKER}); the bot will not start on incomplete data: run the restore again.`,
  );
}
