import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { unclaimedEntries } from './in-place-claim.js';

/** A package's size on disk: every file's bytes, and how many files. */
export interface PackageSize {
  bytes: number;
  files: number;
}

/** lstat calls in flight at once: one at a time, 20,000 files took 0.7 s of a 10 s export. */
const STATS_AT_ONCE = 64;

const entriesOf = (dir: string) => readdir(dir, { withFileTypes: true });
type Entry = Awaited<ReturnType<typeof entriesOf>>[number];

/**
 * What a written package folder holds: the sum of its regular files' sizes and their number, walked
 * on disk (the 说明文件, catalogues, lists and 登记表 as well as the 电子档案). An in-place export's claim
 * file at the root is not part of the package and is not counted.
 */
export async function packageSize(dir: string): Promise<PackageSize> {
  const size = { bytes: 0, files: 0 };
  const root = await entriesOf(dir);
  const unclaimed = new Set(unclaimedEntries(root.map((e) => e.name)));
  await walk(
    dir,
    root.filter((e) => unclaimed.has(e.name)),
    size,
  );
  return size;
}

async function walk(dir: string, entries: Entry[], size: PackageSize): Promise<void> {
  // The entry's type comes with the listing; only regular files need an lstat, for their size.
  const files = entries.filter((e) => e.isFile()).map((e) => join(dir, e.name));
  for (let i = 0; i < files.length; i += STATS_AT_ONCE) {
    const stats = await Promise.all(files.slice(i, i + STATS_AT_ONCE).map((f) => lstat(f)));
    for (const st of stats) {
      size.bytes += st.size;
      size.files += 1;
    }
  }
  for (const e of entries) {
    if (e.isDirectory()) {
      const path = join(dir, e.name);
      await walk(path, await entriesOf(path), size);
    }
  }
}
