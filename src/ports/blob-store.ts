import type { Readable } from 'node:stream';
import { AppError, ResourceUnavailableError } from '../errors.js';

/**
 * Content-addressed storage of original bytes. A blob is written through a `BlobWriter` (hashing
 * SHA-256 while it writes to a temp file) and committed under its hash, never overwritten; the same
 * bytes are stored once. Adapters: `LocalBlobStore` and `S3BlobStore` (src/storage/), chosen by
 * BLOB_STORE; both pass test/integration/blob-store-contract.test.ts.
 */
export interface BlobStore {
  /** Starts a new blob. Nothing is visible until `commit()`. */
  beginWrite(): BlobWriter;
  /**
   * The stored bytes. A blob key (`blobs/…/<sha256>`) is verified while it streams: bytes that no
   * longer match their hash end the stream with a `BlobDamagedError` (`verify: false` for callers
   * that hash what they read themselves). A missing key ends it with a `BlobNotFoundError`.
   */
  openRead(storageKey: string, options?: { verify?: boolean }): Readable;
  exists(storageKey: string): Promise<boolean>;
  stat(storageKey: string): Promise<{ sizeBytes: number } | undefined>;
  /**
   * Filesystem path of a stored key where the store keeps its files on this machine (the local
   * store); undefined elsewhere: read through `openRead` (usecases/blob-file.ts makes a temp copy
   * for libraries that need a path).
   */
  localPath(storageKey: string): string | undefined;
  /** Every stored blob's key (`blobs/ab/cd/<name>`), a page at a time (flat memory; the 四性 orphan check). */
  listBlobs(): AsyncIterable<string[]>;
  /**
   * Every stored blob's key with the size the store holds under it, a page at a time (a backup
   * records the sizes; a 0-byte stub left by a writer cut off mid-PUT is told from the blob by it).
   */
  listBlobSizes(): AsyncIterable<{ key: string; sizeBytes: number }[]>;
  /** Every derived key (`thumbs/<sha256>.jpg`), a page at a time (backup and migration copy them). */
  listDerived(): AsyncIterable<string[]>;
  /** Stores derived bytes (thumbnails: `thumbs/<sha256>.jpg`) atomically under `key`; returns the key. */
  putDerived(key: string, bytes: Uint8Array): Promise<string>;
  /** Bytes available to us on the storage. */
  freeBytes(): Promise<number>;
  /**
   * Throws a ResourceUnavailableError (`disk_low`, `store_unwritable`) when a write would be refused
   * now; waiting work calls it before it starts and to re-check whether it may resume.
   */
  ensureWritable(): Promise<void>;
  /**
   * Removes temp files older than `olderThan` or whose writer process is gone (killed), and an object
   * store's unfinished multipart uploads begun before `olderThan`; returns how many.
   */
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
   * `inspect`, when given, runs on the finished local temp file (every byte written, the hash known)
   * before the blob is stored, and its answer comes back as `inspected`: what the bytes are is read
   * from this copy, never read back from the store (a bucket would send them all again).
   */
  commit<T = never>(
    expected?: { sizeBytes?: number },
    inspect?: (file: string, sha256: string) => Promise<T>,
  ): Promise<CommittedBlob & { inspected?: T }>;
  /**
   * Discards the temp file. Safe to call more than once and after commit, and while a write is still
   * opening the file (that write is refused; the file is closed and removed before abort resolves).
   */
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

/** A stored key that is not there (a missing file, a missing object). */
export class BlobNotFoundError extends AppError {
  constructor(storageKey: string, options?: { cause?: unknown }) {
    super('blob_missing', `存储的文件不见了：${storageKey}`, options);
  }
}

/** A blob whose bytes no longer hash to its key (changed or damaged in the store). */
export class BlobDamagedError extends AppError {
  constructor(storageKey: string, actualSha256: string) {
    super('blob_damaged', `存储的文件 ${storageKey} 已损坏：内容的 SHA-256 是 ${actualSha256}，与文件名不符`);
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
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new DiskFullError(`磁盘已满（${code}）：请清理磁盘或扩容，工作会自动继续`, 0);
  if (code && UNWRITABLE.has(code))
    return new StoreUnwritableError(`文件目录不能写入（${code}）：检查权限、只读挂载和磁盘`, { cause: err });
  return err;
}

/** `blobs/ab/cd/<sha256>`: two levels of fan-out keep directories small. */
export function blobKeyOf(sha256: string): string {
  return `blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/** The SHA-256 a blob key names, or undefined for other keys (thumbnails). */
export function sha256OfBlobKey(storageKey: string): string | undefined {
  return /^blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(storageKey)?.[1];
}

export function thumbnailKeyOf(sha256: string): string {
  return `thumbs/${sha256}.jpg`;
}
