import { isClaimName } from './in-place-claim.js';
import { folderFiles } from './zip-store.js';

/** A package's size on disk: every file's bytes, and how many files. */
export interface PackageSize {
  bytes: number;
  files: number;
}

/**
 * What a written package folder holds: the sum of its regular files' sizes and their number, walked
 * on disk (the 说明文件, catalogues, lists and 登记表 as well as the 电子档案). An in-place export's claim
 * file at the root is not part of the package and is not counted. The same walk as the download's
 * check of the folder (packageOnDisk), so the two always agree on what the package is.
 */
export async function packageSize(dir: string): Promise<PackageSize> {
  const files = await folderFiles(dir, isClaimName);
  return { bytes: files.reduce((n, f) => n + f.size, 0), files: files.length };
}
