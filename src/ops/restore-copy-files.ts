import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';
import { sha256OfBlobKey } from '../ports/blob-store.js';
import { listFiles, MANIFEST, sha256File } from './backup-manifest.js';

/**
 * Copies files/ from the backup, each copy read back and checked against the manifest's SHA-256 (the
 * backup's files were checked before anything was written).
 */
export async function copyBackupFiles(from: string, to: string): Promise<void> {
  const expected = new Map<string, string>();
  for (const line of (await readFile(join(from, MANIFEST), 'utf8')).split('\n')) {
    const m = /^([0-9a-f]{64}) {2}files\/(.+)$/.exec(line);
    if (m) expected.set(m[2]!, m[1]!);
  }
  for (const rel of await listFiles(join(from, 'files'))) {
    const target = join(to, rel);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(from, 'files', rel), target);
    // A blob is read-only in the store (as LocalBlobStore places it), whatever mode the backup's copy has.
    if (sha256OfBlobKey(rel)) await chmod(target, 0o444);
    if ((await sha256File(target)) !== expected.get(rel))
      throw new AppError('restore_copy_damaged', `复制后的文件与清单不符：files/${rel}`);
  }
}
