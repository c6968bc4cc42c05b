import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { unclaimedEntries } from './in-place-claim.js';

/** A package's size on disk: every file's bytes, and how many files. */
export interface PackageSize {
  bytes: number;
  files: number;
}

/**
 * What a written package folder holds: the sum of its regular files' sizes and their number, walked
 * on disk (the 说明文件, catalogues, lists and 登记表 as well as the 电子档案). An in-place export's claim
 * file at the root is not part of the package and is not counted.
 */
export async function packageSize(dir: string): Promise<PackageSize> {
  const size = { bytes: 0, files: 0 };
  await walk(dir, unclaimedEntries(await readdir(dir)), size);
  return size;
}

async function walk(dir: string, names: string[], size: PackageSize): Promise<void> {
  for (const name of names) {
    const path = join(dir, name);
    const st = await lstat(path);
    if (st.isDirectory()) await walk(path, await readdir(path), size);
    else if (st.isFile()) {
      size.bytes += st.size;
      size.files += 1;
    }
  }
}
