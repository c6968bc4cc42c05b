import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DomainError } from '../errors.js';
import { identityText, isGone, parseIdentity, selfIdentity } from '../process-identity.js';
import { fsyncDir } from '../storage/fsync-dir.js';

/**
 * The folder a package is written in before it is complete: `<outDir>.partial`, next to it on the
 * same disk. It holds `owner` (the writing process, `host:pid:start`) and `package/`, the package
 * tree, which is renamed to outDir at the end (the owner file is never part of the package). A
 * killed export (SIGKILL, OOM, power) leaves only this obviously unfinished name; the next export to
 * the same folder removes it once its owner is gone, and refuses while that export still runs.
 */
export const inProgressDir = (outDir: string) => `${outDir}.partial`;
const OWNER_FILE = 'owner';
const OWNER_TMP = 'owner.tmp';
const TREE = 'package';

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

const isDir = async (dir: string) => (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;

/**
 * Where an export writes: `<outDir>.partial/package/` (claimed: `.partial` is made exclusively and
 * its owner file written), or outDir itself ("in place") when outDir is a mounted disk's root (it
 * cannot be renamed into), or when it was made beforehand (empty) in a parent this user cannot write
 * (an administrator's folder: `.partial` cannot be made beside it, and writing into it keeps the
 * owner, mode and ACLs it was given). A stale `.partial` whose owner is gone is removed first.
 */
export async function claimWorkDir(outDir: string): Promise<{ dir: string; inPlace: boolean }> {
  if (await isMountPoint(outDir)) return { dir: outDir, inPlace: true };
  const partial = inProgressDir(outDir);
  await mkdir(dirname(partial), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(partial); // not recursive: only one export makes it
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && attempt === 0) {
        await removeStalePartial(outDir);
        continue;
      }
      if (code === 'EEXIST') throw runningElsewhere(outDir, undefined);
      if ((code === 'EACCES' || code === 'EPERM' || code === 'EROFS') && (await isDir(outDir)))
        return { dir: outDir, inPlace: true };
      throw err;
    }
    try {
      // Written aside and renamed: a process killed mid-write leaves no empty or half owner file.
      await writeFile(join(partial, OWNER_TMP), `${identityText(selfIdentity())}\n`);
      await rename(join(partial, OWNER_TMP), join(partial, OWNER_FILE));
      await mkdir(join(partial, TREE));
    } catch (err) {
      await rm(join(partial, OWNER_TMP), { force: true }).catch(() => undefined);
      await releaseClaim(outDir);
      throw err;
    }
    return { dir: join(partial, TREE), inPlace: false };
  }
}

const runningElsewhere = (outDir: string, owner: string | undefined) =>
  new DomainError(
    'export_running',
    `另一个导出正在写入输出目录 ${outDir}${owner ? `（${owner}）` : ''}，请等它完成后再试，或换一个输出目录`,
  );

const readOwner = (partial: string) =>
  readFile(join(partial, OWNER_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });

/**
 * Removes `<outDir>.partial` when the export that made it is gone (its owner file names a process on
 * this host that no longer runs). While that export may still run (alive, or on another host) it is
 * refused; one without an owner file naming a process (being made this instant, or left by something
 * else) is refused too: nothing is deleted that may be another export's work. The stale folder is first
 * renamed aside and its owner read again, so of two exports taking it over at once, the one that
 * would move the other's fresh claim aside gives it back and is refused.
 */
export async function removeStalePartial(outDir: string): Promise<void> {
  const partial = inProgressDir(outDir);
  const text = await readOwner(partial);
  // An owner file that names no process (empty or garbled: not written by this version) is no owner.
  const owner = text === undefined ? undefined : parseIdentity(text.trim());
  if (!owner) {
    if (!(await stat(partial).catch(() => undefined))) return;
    throw new DomainError(
      'export_partial_unowned',
      `${partial} 是一个未完成的导出，但没有记录是哪个进程写的（也可能另一个导出正在创建它）；` +
        '确认没有其他导出在运行后请删除它，再试一次',
    );
  }
  if (!isGone(owner)) throw runningElsewhere(outDir, `${owner.host} 上的进程 ${owner.pid}`);
  const aside = `${partial}.stale-${identityText(selfIdentity()).replaceAll(':', '-')}`;
  try {
    await rename(partial, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another export removed it
    throw err;
  }
  if ((await readOwner(aside)) !== text) {
    await rename(aside, partial).catch(() => undefined);
    throw runningElsewhere(outDir, undefined);
  }
  await rm(aside, { recursive: true, force: true });
}

/** Removes `<outDir>.partial` if it is this process's claim (never another export's). */
export async function releaseClaim(outDir: string): Promise<void> {
  const partial = inProgressDir(outDir);
  const text = await readOwner(partial).catch(() => undefined);
  if (text === undefined) {
    await rmEmptyDir(partial).catch(() => undefined); // made, owner not yet written
    return;
  }
  if (text.trim() === identityText(selfIdentity())) await rm(partial, { recursive: true, force: true });
}

/**
 * Publishes a claimed package: its tree is renamed to finalDir (an empty folder made beforehand gives
 * way), then `.partial` with its owner file goes, and the parent is flushed so the rename is on disk.
 */
export async function publishPackage(outDir: string, treeDir: string, finalDir: string): Promise<void> {
  await rmEmptyDir(finalDir);
  await rename(treeDir, finalDir);
  await releaseClaim(outDir);
  await fsyncDir(dirname(finalDir));
}

/** An empty output folder made beforehand gives way to the package (rmdir fails on one that is not empty). */
export async function rmEmptyDir(dir: string): Promise<void> {
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
