import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runPool } from '../archive/run-pool.js';
import { sha256OfBlobKey, type BlobStore } from '../ports/blob-store.js';
import { unmatchedRows, type StoredFiles } from './backup-damaged.js';
import { readSide, SourceReadError } from './source-read.js';

/**
 * `blobs-sha256.txt` in a backup of an object store: `<sha256>  blobs/ab/cd/<sha256>` per blob the
 * bucket held when the backup was made (the key is the hash: `sha256sum -c` works on a copy of
 * the bucket's folder). Restore checks the bucket still holds every one before it writes anything.
 */
export const BLOB_LIST = 'blobs-sha256.txt';

/**
 * `blobs-size.txt` beside it: `<bytes>  blobs/ab/cd/<sha256>` per listed blob, the size the bucket held
 * (checked against the database's record when the backup was made). Restore refuses a bucket whose
 * object under a listed key has another size (a 0-byte stub is not the file). Backups made before
 * this file existed have only BLOB_LIST: their restore checks that the keys exist.
 */
export const BLOB_SIZES = 'blobs-size.txt';

/** A blob's copy in a backup is read-only, as the local store keeps it (a thumbnail is not). */
export const BLOB_MODE = 0o444;

/**
 * An object store's files: by default listed with their sizes (BLOB_LIST, BLOB_SIZES; the bucket
 * keeps them, with its own replication or versioning), with `includeFiles` copied through the port
 * into files/ (verified; a damaged or vanished object is named).
 */
export async function backupObjectStore(
  blobs: BlobStore,
  out: string,
  includeFiles: boolean,
  rows: Map<string, number>,
): Promise<StoredFiles> {
  if (!includeFiles) {
    const sizes = await storeBlobSizes(blobs);
    // An object not of its recorded size (a stub) is left out of the list: restore checks the list.
    const bad = new Set(unmatchedRows(rows, sizes, []).map((d) => d.key));
    const listed = new Map([...sizes].filter(([key]) => !bad.has(key)));
    return { files: await writeBlobList(listed, out), bytes: 0, sizes, damaged: [] };
  }
  const r = await copyStoreFiles(blobs, join(out, 'files'));
  return { ...r, damaged: r.damaged.map((key) => ({ key, reason: '已损坏或不见了' })) };
}

/** Every blob key of the store with the size it holds. */
export async function storeBlobSizes(blobs: BlobStore): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for await (const page of blobs.listBlobSizes())
    for (const { key, sizeBytes } of page) if (sha256OfBlobKey(key)) sizes.set(key, sizeBytes);
  return sizes;
}

/** Writes BLOB_LIST and BLOB_SIZES into `dir` for the blobs `sizes` names; returns how many. */
export async function writeBlobList(sizes: Map<string, number>, dir: string): Promise<number> {
  const keys = [...sizes.keys()].sort();
  await writeFile(join(dir, BLOB_LIST), keys.map((k) => `${sha256OfBlobKey(k)}  ${k}\n`).join(''));
  await writeFile(join(dir, BLOB_SIZES), keys.map((k) => `${sizes.get(k)}  ${k}\n`).join(''));
  return keys.length;
}

/**
 * The blobs of a backup's list that the store no longer holds as they were, each as `key（why）`:
 * absent, or (where the backup recorded sizes) of another size. Empty when all are there.
 */
export async function missingFromStore(blobs: BlobStore, dir: string): Promise<string[]> {
  const listed = (await readFile(join(dir, BLOB_LIST), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(l.indexOf('  ') + 2));
  const recorded = new Map<string, number>();
  const sizesFile = await readFile(join(dir, BLOB_SIZES), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  for (const line of sizesFile.split('\n').filter(Boolean)) {
    const at = line.indexOf('  ');
    recorded.set(line.slice(at + 2), Number(line.slice(0, at)));
  }
  const held = await storeBlobSizes(blobs);
  const problems: string[] = [];
  for (const key of listed) {
    const size = held.get(key);
    const expected = recorded.get(key);
    if (size === undefined) problems.push(`${key}（存储桶里没有）`);
    else if (expected !== undefined && size !== expected)
      problems.push(`${key}（存储桶里是 ${size} 字节，备份时是 ${expected} 字节）`);
  }
  return problems;
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
): Promise<{ files: number; bytes: number; damaged: string[]; sizes: Map<string, number> }> {
  const result = { files: 0, bytes: 0, damaged: [] as string[], sizes: new Map<string, number>() };
  const copy = async (key: string) => {
    const target = join(to, key);
    await mkdir(dirname(target), { recursive: true });
    try {
      await pipeline(
        readSide(() => blobs.openRead(key)),
        createWriteStream(target, { flags: 'wx', mode: sha256OfBlobKey(key) ? BLOB_MODE : 0o644 }),
      );
    } catch (err) {
      await rm(target, { force: true });
      // Any error reading the object (damaged, gone, a failed GET) names it; writing fails the backup.
      if (err instanceof SourceReadError) {
        result.damaged.push(key);
        return;
      }
      throw err;
    }
    const size = (await stat(target)).size;
    result.files += 1;
    result.bytes += size;
    if (sha256OfBlobKey(key)) result.sizes.set(key, size);
  };
  for await (const page of blobs.listBlobs()) await runPool(page, concurrency, copy);
  for await (const page of blobs.listDerived()) await runPool(page, concurrency, copy);
  result.damaged.sort();
  return result;
}
