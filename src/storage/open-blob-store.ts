import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStoreConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { BlobStore } from '../ports/blob-store.js';
import { LocalBlobStore, MOVED_MARKER } from './local-blob-store.js';

export { MOVED_MARKER };

/**
 * The configured store: DATA_DIR/files, or the bucket (spooling writes in DATA_DIR/s3-spool).
 * `check()` is the start-up check: for a bucket, it must answer our credentials (one clear
 * sentence otherwise: refused credentials, no such bucket, no answer in time); for the folder, it
 * must not have been moved to a bucket already (`storage migrate` leaves MOVED-TO-S3.json).
 */
export async function openBlobStore(
  config: { dataDir: string; blobStore: BlobStoreConfig },
  options: { minFreeBytes?: number } = {},
): Promise<{ blobs: BlobStore; check(): Promise<void> }> {
  if (config.blobStore.kind === 'local') {
    const blobs = new LocalBlobStore(join(config.dataDir, 'files'), options);
    return {
      blobs,
      // After `storage migrate` switched, new files must not go to the old folder (a bot that was
      // already running finds every write refused: LocalBlobStore).
      check: async () => {
        const to = await movedTo(config.dataDir);
        if (to)
          throw new AppError(
            'store_moved',
            `存储的文件已由 storage migrate 搬到 ${to}：请设置 BLOB_STORE=s3（及 S3_*）后再启动`,
          );
      },
    };
  }
  // The AWS SDK (~0.2 s to load) only when the files are in a bucket.
  const { S3BlobStore } = await import('./s3-blob-store.js');
  const blobs = new S3BlobStore(config.blobStore, { spoolDir: join(config.dataDir, 's3-spool'), ...options });
  return { blobs, check: () => blobs.checkReachable() };
}

/** The switch, if `storage migrate` recorded one: where the files went. */
export async function movedTo(dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, 'files', MOVED_MARKER), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return String((JSON.parse(text) as { to?: unknown }).to ?? '对象存储');
  } catch {
    return '对象存储';
  }
}
