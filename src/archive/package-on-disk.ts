import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isClaimName } from './in-place-claim.js';
import { PACKAGE_PATHS, type PackageLayout } from './transfer-package.js';
import { folderFiles, type FolderFile } from './zip-store.js';

/** What a recorded package says of itself: where it was written, its 数字摘要 and size when recorded. */
export interface RecordedPackage {
  outDir: string;
  layout: PackageLayout | string;
  digest: string;
  bytes: number | null;
  files: number | null;
}

/**
 * The recorded package's folder as it is now: `whole` with its files (what a download streams), `gone`
 * (no folder at the recorded path: moved or deleted) or `changed` (a folder is there, but its 数字摘要清单
 * does not hash to the recorded 数字摘要, or its files or bytes differ from those recorded: another
 * package written to the same path since, or files added, removed or cut short).
 */
export type PackageOnDisk =
  { state: 'whole'; files: FolderFile[] } | { state: 'gone' } | { state: 'changed' };

/** A file or folder that is not there (or a path through a file): not an error of the server. */
export const missing = (err: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException | undefined)?.code ?? '');

/**
 * The recorded package's 数字摘要清单 (fixity list) as its folder holds it, `read` only when it hashes to
 * the recorded 数字摘要: the folder is `gone` (no folder at the recorded path) or `changed` (no list, or
 * another one). What packageOnDisk and the page's 四性 report (packageReport) both start from.
 */
export async function fixityList(
  pkg: RecordedPackage,
): Promise<{ state: 'read'; list: Buffer } | { state: 'gone' } | { state: 'changed' }> {
  try {
    if (!(await stat(pkg.outDir)).isDirectory()) return { state: 'gone' };
  } catch (err) {
    if (missing(err)) return { state: 'gone' };
    throw err;
  }
  let list: Buffer;
  try {
    list = await readFile(join(pkg.outDir, pkg.layout === 'bag' ? 'data' : '', PACKAGE_PATHS.fixity));
  } catch (err) {
    if (missing(err)) return { state: 'changed' };
    throw err;
  }
  if (createHash('sha256').update(list).digest('hex') !== pkg.digest) return { state: 'changed' };
  return { state: 'read', list };
}

/**
 * Checks the folder without reading the files themselves: the fixity list's hash and, unless `quick`
 * (a page view: one small file read), every file's size against the recorded files and bytes. A quick
 * check gives `whole` with no files.
 */
export async function packageOnDisk(
  pkg: RecordedPackage,
  opts: { quick?: boolean } = {},
): Promise<PackageOnDisk> {
  const list = await fixityList(pkg);
  if (list.state !== 'read') return list;
  try {
    if (opts.quick) return { state: 'whole', files: [] };
    const files = await folderFiles(pkg.outDir, isClaimName);
    const bytes = files.reduce((n, f) => n + f.size, 0);
    if ((pkg.files !== null && files.length !== pkg.files) || (pkg.bytes !== null && bytes !== pkg.bytes))
      return { state: 'changed' };
    return { state: 'whole', files };
  } catch (err) {
    if (missing(err)) return { state: 'changed' };
    throw err;
  }
}
