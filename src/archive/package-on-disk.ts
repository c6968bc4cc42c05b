import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
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

const missing = (err: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException | undefined)?.code ?? '');

/**
 * Checks the folder without reading the files themselves: the fixity list's hash and, unless `quick`
 * (a page view: one small file read), every file's size against the recorded files and bytes. A quick
 * check gives `whole` with no files.
 */
export async function packageOnDisk(
  pkg: RecordedPackage,
  opts: { quick?: boolean } = {},
): Promise<PackageOnDisk> {
  try {
    if (!(await stat(pkg.outDir)).isDirectory()) return { state: 'gone' };
  } catch (err) {
    if (missing(err)) return { state: 'gone' };
    throw err;
  }
  const list = join(pkg.outDir, pkg.layout === 'bag' ? 'data' : '', PACKAGE_PATHS.fixity);
  try {
    const hash = createHash('sha256');
    await pipeline(createReadStream(list), hash);
    if (hash.digest('hex') !== pkg.digest) return { state: 'changed' };
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
