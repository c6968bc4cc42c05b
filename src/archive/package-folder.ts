import { chmod, chown, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isGone } from '../process-identity.js';
import { fsyncDir } from '../storage/fsync-dir.js';
import {
  isMine,
  notEmpty,
  ownerOf,
  ownerText,
  readOwnerFile,
  runningElsewhere,
  staleSuffix,
  takerOf,
  unownedClaim,
} from './claim-owner.js';
import { claimInPlace, holdsInPlaceClaim, unclaimedEntries } from './in-place-claim.js';

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

/** Told each leftover of a dead export that a claim removes (its path). */
export type RemovedLeftover = (path: string) => void;
const noReport: RemovedLeftover = () => undefined;

/**
 * An output folder may exist only empty (it is not created before the package is whole). An
 * in-place claim in it (a dead or running in-place export's) is left to claimWorkDir to judge.
 */
export async function ensureFreeDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (entries.length > 0 && unclaimedEntries(entries).length === entries.length) throw notEmpty(dir);
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
 * Whether the rename could not replace a folder made beforehand: its parent is sticky (`/tmp`-like)
 * and neither the parent nor the folder is this user's (only root removes another's entry there).
 */
async function stuckInStickyParent(dir: string): Promise<boolean> {
  const uid = process.geteuid?.();
  if (uid === undefined || uid === 0) return false;
  const made = await stat(dir).catch(() => undefined);
  if (!made?.isDirectory()) return false;
  const parent = await stat(dirname(dir));
  return (parent.mode & 0o1000) !== 0 && parent.uid !== uid && made.uid !== uid;
}

/**
 * Where an export writes: `<outDir>.partial/package/` (claimed: `.partial` is made exclusively and
 * its owner file written), or outDir itself ("in place", claimed by `.export-in-progress` inside it:
 * in-place-claim.ts) when outDir is a mounted disk's root (it cannot be renamed into), when it was
 * made beforehand (empty) in a parent this user cannot write (an administrator's folder: `.partial`
 * cannot be made beside it) or cannot remove it from (a sticky parent), or when it holds an in-place
 * export's claim. A folder made beforehand in a writable parent is replaced by the rename whoever
 * made it (the final name never holds half a package); publishPackage gives the package its mode,
 * owner and group back. Leftovers of dead exports
 * are removed first, each told to `removed`: a stale `.partial` whose owner is gone, and
 * `.partial.stale-*` folders left by a takeover that was killed.
 */
export async function claimWorkDir(
  outDir: string,
  removed: RemovedLeftover = noReport,
): Promise<{ dir: string; inPlace: boolean }> {
  const inPlace = async () => {
    await claimInPlace(outDir, removed);
    return { dir: outDir, inPlace: true };
  };
  if (
    (await isMountPoint(outDir)) ||
    (await holdsInPlaceClaim(outDir)) ||
    (await stuckInStickyParent(outDir))
  )
    return inPlace();
  const partial = inProgressDir(outDir);
  await mkdir(dirname(partial), { recursive: true });
  await removeDeadAsides(outDir, removed);
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(partial); // not recursive: only one export makes it
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && attempt === 0) {
        await removeStalePartial(outDir, removed);
        continue;
      }
      if (code === 'EEXIST') throw runningElsewhere(outDir);
      if ((code === 'EACCES' || code === 'EPERM' || code === 'EROFS') && (await isDir(outDir)))
        return inPlace();
      throw err;
    }
    try {
      // Written aside and renamed: a process killed mid-write leaves no empty or half owner file.
      await writeFile(join(partial, OWNER_TMP), ownerText());
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

/**
 * Removes `<outDir>.partial` when the export that made it is gone (its owner file names a process on
 * this host that no longer runs). While that export may still run (alive, or on another host) it is
 * refused; one without an owner file naming a process (being made this instant, or left by something
 * else) is refused too: nothing is deleted that may be another export's work. The stale folder is first
 * renamed aside and its owner read again, so of two exports taking it over at once, the one that
 * would move the other's fresh claim aside gives it back and is refused. Its tree is removed before
 * its owner file, so an aside left by a kill mid-removal still names its dead owner (removeDeadAsides).
 */
export async function removeStalePartial(outDir: string, removed: RemovedLeftover = noReport): Promise<void> {
  const partial = inProgressDir(outDir);
  const text = await readOwnerFile(join(partial, OWNER_FILE));
  // An owner file that names no process (empty or garbled: not written by this version) is no owner.
  const owner = ownerOf(text);
  if (!owner) {
    if (!(await stat(partial).catch(() => undefined))) return;
    throw unownedClaim(partial, '删除它');
  }
  if (!isGone(owner)) throw runningElsewhere(outDir, owner);
  const aside = `${partial}${staleSuffix()}`;
  try {
    await rename(partial, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another export removed it
    throw err;
  }
  if ((await readOwnerFile(join(aside, OWNER_FILE))) !== text) {
    await putBack(aside, partial);
    throw runningElsewhere(outDir);
  }
  await removeAside(aside);
  removed(partial);
}

/**
 * Gives back a `.partial` this process moved aside that was another export's fresh claim, never over
 * one made since: a placeholder is made exclusively (mkdir) and the aside renamed onto it (a rename
 * replaces only an empty folder: ours). When a `.partial` exists again the aside stays where it is,
 * naming its live owner (removeDeadAsides leaves it until that process is gone).
 */
async function putBack(aside: string, partial: string): Promise<void> {
  try {
    await mkdir(partial);
  } catch {
    return;
  }
  await rename(aside, partial).catch(() => rmEmptyDir(partial).catch(() => undefined));
}

const removeAside = async (aside: string) => {
  await rm(join(aside, TREE), { recursive: true, force: true });
  await rm(aside, { recursive: true, force: true });
};

/**
 * Removes `<outDir>.partial.stale-<taker>` folders (a stale `.partial` renamed aside by a takeover
 * that was killed before it had removed it) that are provably dead: their owner file names a process
 * that is gone, or, with the owner file already removed, the taker named in the folder's name is
 * gone. One whose owner may still run (a live claim a killed taker moved aside) is left alone.
 */
async function removeDeadAsides(outDir: string, removed: RemovedLeftover): Promise<void> {
  const parent = dirname(outDir);
  const partialName = basename(inProgressDir(outDir));
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const taker = takerOf(name, partialName);
    if (!taker) continue;
    const aside = join(parent, name);
    const text = await readOwnerFile(join(aside, OWNER_FILE));
    const owner = ownerOf(text);
    const dead = owner ? isGone(owner) : text === undefined && isGone(taker);
    if (!dead) continue;
    await removeAside(aside);
    removed(aside);
  }
}

/**
 * What a dead export left beside outDir: its `.partial` (once its owner is gone; refused while it may
 * run) and dead `.partial.stale-*` folders. For a job whose process died (exportDied).
 */
export async function removeDeadLeftovers(outDir: string, removed: RemovedLeftover): Promise<void> {
  await removeDeadAsides(outDir, removed);
  await removeStalePartial(outDir, removed);
}

/** Removes `<outDir>.partial` if it is this process's claim (never another export's). */
export async function releaseClaim(outDir: string): Promise<void> {
  const partial = inProgressDir(outDir);
  const text = await readOwnerFile(join(partial, OWNER_FILE)).catch(() => undefined);
  if (text === undefined) {
    await rmEmptyDir(partial).catch(() => undefined); // made, owner not yet written
    return;
  }
  if (isMine(text)) await rm(partial, { recursive: true, force: true });
}

/** A folder made beforehand whose owner and group the package could not be given (chown: EPERM). */
export type OwnerNotKept = { uid: number; gid: number };

/**
 * Publishes a claimed package: its tree is renamed to finalDir (an empty folder made beforehand gives
 * way), then `.partial` with its owner file goes, and the parent is flushed so the rename is on disk.
 * A folder made beforehand lends the package its permission bits (with set-gid and sticky) and, when
 * this user may give them (root, or a group of its own), its owner and group; what could not be given
 * back is returned (ACLs of the folder are not carried over).
 */
export async function publishPackage(
  outDir: string,
  treeDir: string,
  finalDir: string,
): Promise<OwnerNotKept | undefined> {
  // A takeover race can set this export's `.partial` aside while it writes by path, and another
  // export's claim take its place: publish only a tree whose claim is still ours, never a mix of two.
  const partial = inProgressDir(outDir);
  if (dirname(treeDir) === partial) {
    const owner = await readOwnerFile(join(partial, OWNER_FILE)).catch(() => undefined);
    if (!isMine(owner)) throw runningElsewhere(outDir);
  }
  const made = await stat(finalDir).catch(() => undefined);
  await rmEmptyDir(finalDir);
  await rename(treeDir, finalDir);
  const notKept = made?.isDirectory() ? await takeOver(finalDir, made) : undefined;
  await releaseClaim(outDir);
  await fsyncDir(dirname(finalDir));
  return notKept;
}

/** Gives `dir` the owner, group and permission bits of `made` (chown before chmod: chown may clear set-gid). */
async function takeOver(dir: string, made: Stats): Promise<OwnerNotKept | undefined> {
  let notKept: OwnerNotKept | undefined;
  const now = await stat(dir);
  if (now.uid !== made.uid || now.gid !== made.gid) {
    await chown(dir, made.uid, made.gid).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPERM') throw err;
      notKept = { uid: made.uid, gid: made.gid };
      await chown(dir, now.uid, made.gid).catch(() => undefined); // a group of this user's own
    });
  }
  await chmod(dir, made.mode & 0o7777);
  return notKept;
}

/** An empty output folder made beforehand gives way to the package (rmdir fails on one that is not empty). */
export async function rmEmptyDir(dir: string): Promise<void> {
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
