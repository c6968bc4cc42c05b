import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AppError } from './errors.js';
import { processGroupName, processUserName } from './process-user.js';
import { readRestoreMarker, restoreAgainText, unfinishedRestoreText } from './ops/restore-marker.js';

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
    const code = whyNotWritable(dir, err);
    if (code === 'ENOTDIR' || code === 'EEXIST')
      throw new AppError('data_dir_not_a_folder', `数据目录 ${dir} 不是文件夹（${code}）：请检查 DATA_DIR。`);
    // Under the service's ProtectSystem=strict every path outside ReadWritePaths= is read-only: a
    // DATA_DIR moved to a bigger disk (/data/archive-bot) fails so, although its mount and owner are fine.
    if (code === 'EROFS')
      throw new AppError(
        'data_dir_read_only',
        `数据目录 ${dir} 在只读的文件系统上（EROFS）：作为服务运行时，systemd 只让机器人写 archive-bot.service 里 ReadWritePaths= 列出的目录；` +
          `DATA_DIR 换了位置就运行 systemctl edit archive-bot，加上 [Service] 和 ReadWritePaths=${dir} 两行，再 systemctl restart archive-bot；不是服务时请检查挂载。`,
      );
    // Not this user's (`npm start` by hand as another user than the folder's owner): the `install -d`
    // that makes it theirs, as the command-line tools say.
    const access = dataDirAccessText(dir, err);
    if (access) throw new AppError('data_dir_read_only', access);
    throw new AppError(
      'data_dir_read_only',
      `数据目录 ${dir} 不可写（只读或没有权限，${code}）：请检查 DATA_DIR 的挂载和属主。`,
    );
  }
}

/**
 * The error code of a failed probe. A recursive mkdir on a read-only file system says ENOENT: making the
 * last folder alone tells EROFS from a missing parent.
 */
function whyNotWritable(dir: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
  if (code !== 'ENOENT' || !existsSync(dirname(dir))) return code;
  try {
    mkdirSync(dir);
    // Only the empty folder just made: never anything another process put there meanwhile.
    rmdirSync(dir);
    return code;
  } catch (again) {
    return (again as NodeJS.ErrnoException).code ?? code;
  }
}

/**
 * A restore that did not finish (DATA_DIR/RESTORE-INCOMPLETE, see ops/restore-marker.ts) leaves a
 * database whose stored files may be missing: the bot does not start on it, in one plain line.
 */
export function checkNoUnfinishedRestore(dataDir: string): void {
  const marker = readRestoreMarker(dataDir);
  if (!marker) return;
  throw new AppError(
    'restore_incomplete',
    `${unfinishedRestoreText(dataDir, marker)}：机器人不在不完整的数据上启动，${restoreAgainText(marker)}。`,
  );
}

/**
 * A command run before the service ever started: the service's DATA_DIR (/var/lib/archive-bot, which
 * systemd makes at the first start) does not exist yet, or root made it, and the service user may not
 * make the database in it: `EACCES: permission denied, mkdir '…/archive-bot/pglite'` said nothing of
 * what to do. The line that names the folder and the `install -d` that makes it this user's; undefined
 * for any other failure.
 */
export function dataDirAccessText(dataDir: string, err: unknown): string | undefined {
  let e: unknown = err;
  while (e instanceof Error && !(e as NodeJS.ErrnoException).code && e.cause) e = e.cause;
  const { code, path } = e as NodeJS.ErrnoException;
  const dir = resolve(dataDir);
  if ((code !== 'EACCES' && code !== 'EPERM') || !path) return undefined;
  const where = resolve(path);
  if (where !== dir && !where.startsWith(`${dir}/`) && !dir.startsWith(`${where}/`)) return undefined;
  const user = processUserName();
  return (
    `数据目录 ${dir} 不能由 ${user} 写入（${code}）：服务还没启动过时它可能还不存在，或是 root 建的。` +
    `请先以 root 运行 install -d -o ${user} -g ${processGroupName()} -m 750 ${dir}，再运行这条命令`
  );
}
