import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runPool } from '../archive/run-pool.js';
import { BlobDamagedError, BlobNotFoundError, sha256OfBlobKey, type BlobStore } from '../ports/blob-store.js';

/**
 * `blobs-sha256.txt` in a backup of an object store: `<sha256>  blobs/ab/cd/<sha256>` per blob the
 * bucket held when the backup was made (the key is the hash: `sha256sum -c` works on a copy of
 * the bucket's folder). Restore checks the bucket still holds every one before it writes anything.
 */
export const BLOB_LIST = 'blobs-sha256.txt';

/** Lists every blob of the store into `file`; returns how many. */
export async function writeBlobList(blobs: BlobStore, file: string): Promise<number> {
  const lines: string[] = [];
  for await (const page of blobs.listBlobs())
    for (const key of page) {
      const sha = sha256OfBlobKey(key);
      if (sha) lines.push(`${sha}  ${key}\n`);
    }
  lines.sort();
  await writeFile(file, lines.join(''));
  return lines.length;
}

/** The keys of a backup's blob list that the store no longer holds (empty when all are there). */
export async function missingFromStore(blobs: BlobStore, file: string): Promise<string[]> {
  const listed = (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(l.indexOf('  ') + 2));
  const held = new Set<string>();
  for await (const page of blobs.listBlobs()) for (const key of page) held.add(key);
  return listed.filter((k) => !held.has(k));
}

/**
 * Copies every blob and thumbnail of the store into `to` (the layout of DATA_DIR/files), each read
 * through the port: blobs verified against their hash as they stream. A damaged or vanished object
 * is left out and named; a store that is down fails the copy.
 */
export async function copyStoreFiles(
  blobs: BlobStore,
  to: string,
  concurrency = 4,
): Promise<{ files: number; bytes: number; damaged: string[] }> {
  const result = { files: 0, bytes: 0, damaged: [] as string[] };
  const copy = async (key: string) => {
    const target = join(to, key);
    await mkdir(dirname(target), { recursive: true });
    try {
      await pipeline(blobs.openRead(key), createWriteStream(target, { flags: 'wx', mode: 0o644 }));
    } catch (err) {
      await rm(target, { force: true });
      if (err instanceof BlobDamagedError || err instanceof BlobNotFoundError) {
        result.damaged.push(key);
        return;
      }
      throw err;
    }
    result.files += 1;
    result.bytes += (await stat(target)).size;
  };
  for await (const page of blobs.listBlobs()) await runPool(page, concurrency, copy);
  for await (const page of blobs.listDerived()) await runPool(page, concurrency, copy);
  result.damaged.sort();
  return result;
}
