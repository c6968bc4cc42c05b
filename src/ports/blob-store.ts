import type { Readable } from 'node:stream';
import { ResourceUnavailableError } from '../errors.js';

/**
 * Content-addressed storage of original bytes. A blob is written through a `BlobWriter` (hashing
 * SHA-256 while it writes to a temp file) and committed under its hash, never overwritten; the same
 * bytes are stored once. Adapters: `LocalBlobStore` (src/storage/); an object store later.
 */
export interface BlobStore {
  /** Starts a new blob. Nothing is visible until `commit()`. */
  beginWrite(): BlobWriter;
  openRead(storageKey: string): Readable;
  exists(storageKey: string): Promise<boolean>;
  stat(storageKey: string): Promise<{ sizeBytes: number } | undefined>;
  /** Filesystem path of a stored key (local adapters only; others throw). */
  pathOf(storageKey: string): string;
  /** Stores derived bytes (thumbnails: `thumbs/<sha256>.jpg`) atomically under `key`; returns the key. */
  putDerived(key: string, bytes: Uint8Array): Promise<string>;
  /** Bytes available to us on the storage. */
  freeBytes(): Promise<number>;
  /**
   * Throws a ResourceUnavailableError (`disk_low`, `store_unwritable`) when a write would be refused
   * now; waiting work calls it before it starts and to re-check whether it may resume.
   */
  ensureWritable(): Promise<void>;
  /** Removes temp files older than `olderThan` or whose writer process is gone (killed); returns how many. */
  cleanupTemp(olderThan: Date): Promise<number>;
}

/** One blob being written: append chunk after chunk (e.g. HTTP Range pieces), then commit or abort. */
export interface BlobWriter {
  /** Appends bytes; resolves when they are handed to the file (back-pressure: await each call). */
  write(chunk: Uint8Array): Promise<void>;
  /** Checks there is room for `moreBytes` (plus the store's reserve); throws `DiskFullError`. */
  reserve(moreBytes: number): Promise<void>;
  readonly bytesWritten: number;
  /**
   * Makes the blob durable (fsync), moves it to `blobs/ab/cd/<sha256>` unless that exists already
   * (`existed: true`, the temp file is discarded). Throws (and aborts) on a size mismatch.
   */
  commit(expected?: { sizeBytes?: number }): Promise<CommittedBlob>;
  /** Discards the temp file. Safe to call more than once and after commit. */
  abort(): Promise<void>;
}

export interface CommittedBlob {
  sha256: string;
  sizeBytes: number;
  storageKey: string;
  existed: boolean;
}

/** Storage below its free-space reserve: writing is refused until an operator frees space. */
export class DiskFullError extends ResourceUnavailableError {
  constructor(
    message: string,
    readonly freeBytes: number,
  ) {
    super('disk_low', message, { code: 'disk_full' });
  }
}

/** The store refuses writes (read-only, permissions, a file where a folder should be). */
export class StoreUnwritableError extends ResourceUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unwritable', message, { ...options, code: 'store_unwritable' });
  }
}

const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST']);

/** Maps a file-system error of a write into the store to what it means for waiting work. */
export function storeWriteError(err: unknown): unknown {
  if (err instanceof ResourceUnavailableError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DiskFullError('no space left on device', 0);
  if (code && UNWRITABLE.has(code))
    return new StoreUnwritableError(`the file store refuses writes (${code})`, { cause: err });
  return err;
}

/** `blobs/ab/cd/<sha256>`: two levels of fan-out keep directories small. */
export function blobKeyOf(sha256: string): string {
  return `blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

export function thumbnailKeyOf(sha256: string): string {
  return `thumbs/${sha256}.jpg`;
}
