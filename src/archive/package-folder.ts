import { open, readdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DomainError } from '../errors.js';

/**
 * The folder a package is written into before it is complete: `<outDir>.partial`, next to it on the
 * same disk, renamed to outDir at the end. A killed export (SIGKILL, OOM, power) leaves only this
 * obviously unfinished name; the next export to the same folder removes it first.
 */
export const inProgressDir = (outDir: string) => `${outDir}.partial`;

/** An output folder may exist only empty (it is not created before the package is whole). */
export async function ensureFreeDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (entries.length > 0)
    throw new DomainError('out_dir_not_empty', `输出目录 ${dir} 不是空的，请换一个新目录`);
}

/** An existing folder on another file system than its parent (a mounted USB disk's root). */
export async function isMountPoint(dir: string): Promise<boolean> {
  const own = await stat(dir).catch(() => undefined);
  if (!own) return false;
  const parent = await stat(dirname(dir));
  return own.dev !== parent.dev || own.ino === parent.ino;
}

/** An empty output folder made beforehand gives way to the package (rmdir fails on one that is not empty). */
export async function rmEmptyDir(dir: string): Promise<void> {
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Makes a rename inside `dir` durable (the carrier may be unplugged as soon as the command returns). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
