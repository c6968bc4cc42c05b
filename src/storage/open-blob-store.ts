import { join } from 'node:path';
import type { BlobStoreConfig } from '../config.js';
import type { BlobStore } from '../ports/blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

/**
 * The configured store: DATA_DIR/files, or the bucket (spooling writes in DATA_DIR/s3-spool).
 * `check()` is the start-up check: for a bucket, it must answer our credentials (one clear
 * sentence otherwise: refused credentials, no such bucket, no answer in time).
 */
export function openBlobStore(
  config: { dataDir: string; blobStore: BlobStoreConfig },
  options: { minFreeBytes?: number } = {},
): { blobs: BlobStore; check(): Promise<void> } {
  if (config.blobStore.kind === 'local') {
    const blobs = new LocalBlobStore(join(config.dataDir, 'files'), options);
    return { blobs, check: async () => {} };
  }
  const blobs = new S3BlobStore(config.blobStore, { spoolDir: join(config.dataDir, 's3-spool'), ...options });
  return { blobs, check: () => blobs.checkReachable() };
}
