import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../ports/blob-store.js';

/**
 * Runs `fn` on a file holding a stored key's bytes, for libraries that need a path (file-type,
 * sharp, exifr, the PDF reader, a virus scanner): the store's own file where it keeps one on this
 * machine, else a temp copy streamed through `openRead` (verified unless `verify: false`) and
 * removed when `fn` settles. Errors reading the store (BlobNotFoundError, BlobDamagedError, a store
 * that is down) reject before `fn` runs.
 */
export async function withBlobFile<T>(
  blobs: BlobStore,
  storageKey: string,
  fn: (path: string) => Promise<T>,
  options: { verify?: boolean } = {},
): Promise<T> {
  const local = blobs.localPath(storageKey);
  if (local !== undefined) return fn(local);
  const dir = await mkdtemp(join(tmpdir(), 'archive-blob-'));
  try {
    const path = join(dir, 'blob');
    await pipeline(
      blobs.openRead(storageKey, options),
      createWriteStream(path, { flags: 'wx', mode: 0o600 }),
    );
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
