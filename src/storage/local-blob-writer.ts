import { chmod, link, mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { blobKeyOf, storeWriteError } from '../ports/blob-store.js';
import { fsyncDir } from './fsync-dir.js';

/**
 * The local store's last step of a write (SpoolBlobWriter's `store`): the finished, fsynced temp
 * file is made read-only and linked under `blobs/ab/cd/<sha256>` unless that exists at the same size
 * (true: it did; never overwritten), and the folders are fsynced so the new name survives a power cut.
 * A file of another size under that name cannot hold the bytes its name hashes (a copy cut short, disk
 * rot): the verified temp file replaces it, as S3BlobStore does with a short object.
 */
export async function placeBlob(
  rootDir: string,
  temp: string,
  sha256: string,
  sizeBytes: number,
): Promise<boolean> {
  try {
    const target = join(rootDir, blobKeyOf(sha256));
    const dir = dirname(target);
    const created = await mkdir(dir, { recursive: true });
    await chmod(temp, 0o444);
    const existed = await placeNoOverwrite(temp, target, sizeBytes);
    if (!existed) {
      await fsyncDir(dir);
      if (created) for (const d of [dirname(dirname(dir)), dirname(dir)]) await fsyncDir(d);
    }
    return existed;
  } catch (err) {
    throw storeWriteError(err);
  }
}

/**
 * Link (fails if the target exists: never overwrites a whole blob); falls back to rename where links
 * are unsupported. A target of another size is replaced (rename is atomic).
 */
async function placeNoOverwrite(temp: string, target: string, sizeBytes: number): Promise<boolean> {
  try {
    await link(temp, target);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (
      code !== 'EEXIST' &&
      code !== 'EPERM' &&
      code !== 'ENOTSUP' &&
      code !== 'EOPNOTSUPP' &&
      code !== 'EXDEV'
    )
      throw err;
  }
  const found = await stat(target).catch(() => undefined);
  if (found?.size === sizeBytes) return true;
  await rename(temp, target);
  return false;
}
