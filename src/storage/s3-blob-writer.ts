import { createHash } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { blobKeyOf, storeWriteError, type BlobWriter, type CommittedBlob } from '../ports/blob-store.js';

export interface SpoolContext {
  tempPath: string;
  /** Throws DiskFullError when fewer than `moreBytes` + the reserve are free on the spool disk. */
  ensureSpace(moreBytes: number): Promise<void>;
  ensureTempDir(): Promise<void>;
  /** Uploads the spooled file under its hash unless it is there; true when it was there already. */
  upload(tempPath: string, sha256: string, sizeBytes: number): Promise<boolean>;
}

const CHECK_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * One blob for the object store: the bytes are hashed while they are spooled to a local temp file
 * (the hash, hence the object key, is known only at the end), then `commit` uploads the file under
 * its hash (multipart, a few parts in memory at a time) and removes the spool file, whatever happens.
 */
export class S3BlobWriter implements BlobWriter {
  private fh?: FileHandle;
  private readonly hash = createHash('sha256');
  private written = 0;
  private sinceCheck = 0;
  private state: 'open' | 'broken' | 'closed' = 'open';

  constructor(private readonly ctx: SpoolContext) {}

  get bytesWritten(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    const fh = await this.file();
    if (this.sinceCheck >= CHECK_EVERY_BYTES) {
      this.sinceCheck = 0;
      await this.guard(() => this.ctx.ensureSpace(0));
    }
    this.hash.update(chunk);
    await this.guard(async () => {
      for (let off = 0; off < chunk.length;) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
    });
    this.written += chunk.length;
    this.sinceCheck += chunk.length;
  }

  async reserve(moreBytes: number): Promise<void> {
    await this.guard(() => this.ctx.ensureSpace(moreBytes));
  }

  async commit(expected?: { sizeBytes?: number }): Promise<CommittedBlob> {
    const fh = await this.file();
    if (expected?.sizeBytes !== undefined && expected.sizeBytes !== this.written) {
      await this.abort();
      throw new AppError('blob_size_mismatch', `wrote ${this.written} bytes, expected ${expected.sizeBytes}`);
    }
    this.state = 'closed';
    try {
      await fh.close();
      this.fh = undefined;
      const sha256 = this.hash.digest('hex');
      const existed = await this.ctx.upload(this.ctx.tempPath, sha256, this.written);
      return { sha256, sizeBytes: this.written, storageKey: blobKeyOf(sha256), existed };
    } finally {
      await this.fh?.close().catch(() => {});
      await unlink(this.ctx.tempPath).catch(() => {});
    }
  }

  async abort(): Promise<void> {
    this.state = 'closed';
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
    await unlink(this.ctx.tempPath).catch(() => {});
  }

  private async file(): Promise<FileHandle> {
    if (this.state !== 'open') throw new AppError('blob_writer_closed', `blob writer is ${this.state}`);
    if (this.fh) return this.fh;
    await this.guard(async () => {
      await this.ctx.ensureTempDir();
      await this.ctx.ensureSpace(0);
      this.fh = await open(this.ctx.tempPath, 'wx', 0o600);
    });
    return this.fh!;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      await this.abort();
      this.state = 'broken';
      throw storeWriteError(err);
    }
  }
}
