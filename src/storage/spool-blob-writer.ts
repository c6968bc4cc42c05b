import { createHash } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { blobKeyOf, storeWriteError, type BlobWriter, type CommittedBlob } from '../ports/blob-store.js';

export interface SpoolContext {
  /** The temp file (named by its writer: a killed writer's file is found and removed). */
  tempPath: string;
  /** Permissions of the temp file. */
  mode: number;
  /** fsync the temp file before it is stored (the local store keeps that very file). */
  sync: boolean;
  /** Throws DiskFullError when fewer than `moreBytes` + the reserve are free. */
  ensureSpace(moreBytes: number): Promise<void>;
  /** Makes the temp folder if need be (`again`: it was there, but a file could not be opened in it). */
  ensureTempDir(again?: boolean): Promise<void>;
  /**
   * Stores the finished temp file under its hash unless that is there already (true: it was); the
   * temp file is removed afterwards whatever happens.
   */
  store(tempPath: string, sha256: string, sizeBytes: number): Promise<boolean>;
  /** Told when writing the temp file failed (the store forgets a passed write probe). */
  failed?(): void;
}

/** Re-check free space after this many bytes (a long download may fill the disk meanwhile). */
const CHECK_EVERY_BYTES = 64 * 1024 * 1024;
/** Small network chunks are gathered and written together (one system call per ~256 KiB). */
const FLUSH_BYTES = 256 * 1024;

/**
 * The writer of both stores: the bytes are hashed while they are written to a local temp file (the
 * hash, hence the key, is known only at the end); `commit` checks the size, closes the file and hands
 * it to the store's `store` (the local store links it under its hash, the S3 store uploads it), then
 * removes the temp file. Any failure while writing breaks the writer and removes its file.
 */
export class SpoolBlobWriter implements BlobWriter {
  private fh?: FileHandle;
  /** The temp file being opened (the first write's open() while it is pending; abort() waits for it). */
  private opening?: Promise<FileHandle>;
  private readonly hash = createHash('sha256');
  private written = 0;
  private sinceCheck = 0;
  /** Chunks hashed but not yet written (at most ~FLUSH_BYTES). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private state: 'open' | 'broken' | 'closed' = 'open';

  constructor(private readonly ctx: SpoolContext) {}

  get bytesWritten(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    await this.file();
    if (this.sinceCheck >= CHECK_EVERY_BYTES) {
      this.sinceCheck = 0;
      await this.guard(() => this.ctx.ensureSpace(0));
    }
    // Callers may reuse their buffer once we resolve: keep a copy only while it waits.
    this.pending.push(Uint8Array.prototype.slice.call(chunk));
    this.pendingBytes += chunk.length;
    this.hash.update(chunk);
    this.written += chunk.length;
    this.sinceCheck += chunk.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  /** Writes the gathered chunks (one write, continued until every byte is on the file). */
  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const fh = await this.file();
    const buf = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.guard(async () => {
      for (let off = 0; off < buf.length;) {
        const { bytesWritten } = await fh.write(buf, off, buf.length - off);
        off += bytesWritten;
      }
    });
  }

  async reserve(moreBytes: number): Promise<void> {
    await this.guard(() => this.ctx.ensureSpace(moreBytes));
  }

  async commit<T = never>(
    expected?: { sizeBytes?: number },
    inspect?: (file: string, sha256: string) => Promise<T>,
  ): Promise<CommittedBlob & { inspected?: T }> {
    await this.flush();
    const fh = await this.file();
    if (expected?.sizeBytes !== undefined && expected.sizeBytes !== this.written) {
      await this.abort();
      throw new AppError('blob_size_mismatch', `wrote ${this.written} bytes, expected ${expected.sizeBytes}`);
    }
    this.state = 'closed';
    const temp = this.ctx.tempPath;
    try {
      try {
        if (this.ctx.sync) await fh.sync();
        await fh.close();
      } catch (err) {
        this.ctx.failed?.();
        throw storeWriteError(err);
      }
      this.fh = undefined;
      const sha256 = this.hash.digest('hex');
      const inspected = inspect ? { inspected: await inspect(temp, sha256) } : {};
      const existed = await this.ctx.store(temp, sha256, this.written);
      return { sha256, sizeBytes: this.written, storageKey: blobKeyOf(sha256), existed, ...inspected };
    } finally {
      await this.fh?.close().catch(() => {});
      await unlink(temp).catch(() => {});
    }
  }

  async abort(): Promise<void> {
    this.state = 'closed';
    // abort() while a write() still opens the temp file (not awaited, e.g. on a timeout): without this
    // wait the open() resolves after abort() returned, its handle is left to the garbage collector and
    // the file it creates (after abort's unlink) stays in tmp/. Once opened, discard() closes both.
    await this.opening?.catch(() => {});
    await this.discard();
  }

  /** Drops the gathered chunks, closes the temp file and removes it. */
  private async discard(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
    await unlink(this.ctx.tempPath).catch(() => {});
  }

  private async file(): Promise<FileHandle> {
    if (this.state !== 'open') throw new AppError('blob_writer_closed', `blob writer is ${this.state}`);
    if (this.fh) return this.fh;
    this.opening ??= this.guard(async () => {
      await this.ctx.ensureTempDir();
      await this.ctx.ensureSpace(0);
      this.fh = await open(this.ctx.tempPath, 'wx', this.ctx.mode).catch(async (err: unknown) => {
        // The folder was removed since the store made it: make it again, once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await this.ctx.ensureTempDir(true);
        return open(this.ctx.tempPath, 'wx', this.ctx.mode);
      });
      return this.fh;
    }).finally(() => (this.opening = undefined));
    const fh = await this.opening;
    // Aborted while it opened: abort() closes and removes it; this write must not go on.
    if (this.state !== 'open') throw new AppError('blob_writer_closed', `blob writer is ${this.state}`);
    return fh;
  }

  /** Any failure while writing breaks the writer (its hash no longer matches the file): discard it. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.ctx.failed?.();
      // Not abort(): a failure while opening would wait for its own open.
      this.state = 'closed';
      await this.discard();
      this.state = 'broken';
      // No space, a read-only or forbidden folder: the work waits (ResourceUnavailableError).
      throw storeWriteError(err);
    }
  }
}
