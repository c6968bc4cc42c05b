import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../errors.js';
import { PACKAGE_PATHS } from './transfer-package.js';
import { isGone } from '../process-identity.js';
import { fsyncDir } from '../storage/fsync-dir.js';
import {
  isMine,
  notEmpty,
  ownerOf,
  ownerText,
  putBack,
  readOwnerFile,
  readSettledOwner,
  runningElsewhere,
  staleSuffix,
  unownedClaim,
} from './claim-owner.js';

/**
 * The claim of an export written in place (a mounted disk's root, or a folder made beforehand that
 * a rename would replace): `<out>/.export-in-progress`, created exclusively ('wx') and holding the
 * owner (`host:pid:start`). While it is there the folder holds an unfinished package; it goes when
 * the package is whole and on disk (or emptied again after a failure).
 */
export const IN_PLACE_CLAIM = '.export-in-progress';
const STALE_PREFIX = `${IN_PLACE_CLAIM}.stale-`;

/** An in-place claim, or one set aside by a takeover: not part of the package. */
export const isClaimName = (name: string) => name === IN_PLACE_CLAIM || name.startsWith(STALE_PREFIX);

/** Whether `dir` holds an in-place claim, or one set aside by a takeover (an in-place export's folder). */
export async function holdsInPlaceClaim(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some(isClaimName);
}

/** The names in `dir` that are not in-place claims (what ensureFreeDir judges; the claim decides the rest). */
export const unclaimedEntries = (names: string[]): string[] => names.filter((n) => !isClaimName(n));

/**
 * Claims outDir for writing in place. Refused while another export may own it (its claim names a
 * live process, or another host's); a claim whose owner is gone is taken over: renamed aside
 * (`.export-in-progress.stale-<this process>`), read again (of two taking it over at once, the one
 * that moved the other's fresh claim gives it back and is refused), and this process's claim made.
 * Then the folder must be empty, unless claims set aside name only processes that are gone: what it
 * holds is then theirs (a claim is only kept on an empty folder) and is removed, each path told to
 * `removed`, as long as it is only names a package has; anything else (a file someone put there
 * since, `.Spotlight-V100` on a USB disk) makes it refused, naming what to remove by hand. A folder
 * this user cannot write is refused saying so.
 */
export async function claimInPlace(outDir: string, removed: (path: string) => void): Promise<void> {
  const claim = join(outDir, IN_PLACE_CLAIM);
  for (let attempt = 0; ; attempt++) {
    let file;
    try {
      file = await open(claim, 'wx'); // only one export creates it
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw notWritable(outDir);
      if (code !== 'EEXIST') throw err;
      if (attempt > 0) throw runningElsewhere(outDir);
      await setStaleClaimAside(outDir);
      continue;
    }
    try {
      await file.writeFile(ownerText());
    } catch (err) {
      await rm(claim, { force: true }); // ours, made this instant: no claim left without its owner
      throw err;
    } finally {
      await file.close();
    }
    break;
  }
  try {
    await clearDeadExport(outDir, removed);
  } catch (err) {
    await releaseInPlace(outDir);
    throw err;
  }
}

async function setStaleClaimAside(outDir: string): Promise<void> {
  const claim = join(outDir, IN_PLACE_CLAIM);
  const text = await readSettledOwner(claim);
  if (text === undefined) return; // released meanwhile: claim again
  const owner = ownerOf(text);
  if (!owner) throw unownedClaim(claim, '清空输出目录');
  if (!isGone(owner)) throw runningElsewhere(outDir, owner);
  const aside = `${claim}${staleSuffix()}`;
  try {
    await rename(claim, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another export took it over
    throw err;
  }
  if ((await readOwnerFile(aside)) !== text) {
    await putBack(aside, claim);
    throw runningElsewhere(outDir);
  }
}

/** The folder cannot be written by this user (made by an administrator for someone else, read-only). */
const notWritable = (outDir: string): DomainError =>
  new DomainError(
    'out_dir_not_writable',
    `输出目录 ${outDir} 不能由运行导出的用户写入，它所在的目录也不能写入（无法在旁边生成后改名）；` +
      '请让这个用户可以写入该目录，或换一个输出目录',
  );

/**
 * The names an export writes at the top of its folder (either layout), with the claims: only these
 * are removed as a dead export's; anything else is someone else's and the folder is refused.
 */
const PACKAGE_TOP = new Set<string>([
  PACKAGE_PATHS.readme,
  PACKAGE_PATHS.catalogueXml,
  PACKAGE_PATHS.records,
  PACKAGE_PATHS.other,
  PACKAGE_PATHS.preCheck,
  'data',
  'bagit.txt',
  'bag-info.txt',
  'manifest-sha256.txt',
  'tagmanifest-sha256.txt',
]);
const isPackageName = (name: string) => PACKAGE_TOP.has(name) || isClaimName(name);

async function clearDeadExport(outDir: string, removed: (path: string) => void): Promise<void> {
  const names = (await readdir(outDir)).filter((n) => n !== IN_PLACE_CLAIM);
  if (names.length === 0) return;
  const asides = names.filter((n) => n.startsWith(STALE_PREFIX));
  if (asides.length === 0) throw notEmpty(outDir);
  for (const name of asides) {
    const text = await readOwnerFile(join(outDir, name));
    if (text === undefined) continue; // removed meanwhile
    const owner = ownerOf(text);
    if (!owner) throw unownedClaim(join(outDir, name), '清空输出目录');
    if (!isGone(owner)) throw runningElsewhere(outDir, owner);
  }
  const foreign = names.filter((n) => !isPackageName(n));
  if (foreign.length > 0) throw notEmpty(outDir, foreign);
  for (const name of names) {
    await rm(join(outDir, name), { recursive: true, force: true });
    removed(join(outDir, name));
  }
}

/** Removes this process's in-place claim (never another export's), flushing the folder's entry. */
export async function releaseInPlace(outDir: string): Promise<void> {
  const claim = join(outDir, IN_PLACE_CLAIM);
  if (!isMine(await readOwnerFile(claim).catch(() => undefined))) return;
  await rm(claim, { force: true });
  await fsyncDir(outDir);
}

/**
 * After a failed in-place export: what it wrote is removed (names a package has; anything put there
 * meanwhile stays), then the claim (the folder stays).
 */
export async function abandonInPlace(outDir: string): Promise<void> {
  for (const name of await readdir(outDir).catch(() => [] as string[]))
    if (name !== IN_PLACE_CLAIM && isPackageName(name))
      await rm(join(outDir, name), { recursive: true, force: true });
  await releaseInPlace(outDir);
}
