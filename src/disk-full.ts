import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The full-disk (ENOSPC) or exceeded-quota (EDQUOT) error behind `err` (itself or a cause), if any. */
export function diskFull(err: unknown): { code: string; path?: string } | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const { code, path } = e as NodeJS.ErrnoException;
    if (code && FULL.has(code)) return { code, ...(path ? { path: resolve(path) } : {}) };
  }
  return undefined;
}

const isDir = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/**
 * A write refused because the disk is full (or the user's quota used up), as one line naming the folder,
 * the `df -h` that shows it and what to free: it said 「无法启动：ENOSPC: no space left on device, write」,
 * without a folder (a write to an open file carries no path). `folder`: where the process was writing
 * when the error names no path (the data folder, the backup folder). Undefined for any other failure.
 */
export function diskFullText(err: unknown, folder?: string): string | undefined {
  const full = diskFull(err);
  if (!full) return undefined;
  const where = full.path ? (isDir(full.path) ? full.path : dirname(full.path)) : folder && resolve(folder);
  const what = full.code === 'EDQUOT' ? '运行的用户在这个磁盘上的配额已用完（EDQUOT）' : '磁盘已满（ENOSPC）';
  if (!where) return `${what}：用 df -h 看哪个磁盘满了，腾出空间后再运行`;
  return (
    `${where} 所在的${what}${full.path ? `，写不进 ${full.path}` : ''}。用 df -h ${where} 看剩余空间；` +
    '腾出空间（删掉不要的导出和旧备份、清理日志：journalctl --vacuum-size=200M）或换更大的磁盘后再运行'
  );
}
