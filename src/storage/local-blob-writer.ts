import { createHash } from 'node:crypto';
import { chmod, link, mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';
import { blobKeyOf, storeWriteError, type BlobWriter, type CommittedBlob } from '../ports/blob-store.js';
import { fsyncDir } from './fsync-dir.js';

export interface WriterContext {
  rootDir: string;
  tempPath: string;
  /** Throws DiskFullError when fewer than `moreBytes` + the reserve are free. */
  ensureSpace(moreBytes: number): Promise<void>;
  ensureTempDir(): Promise<void>;
}

/** Re-check free space after this many bytes (a long download may fill the disk meanwhile). */
const CHECK_EVERY_BYTES = 64 * 1024 * 1024;
/** Small network chunks are gathered and written together (one system call per ~256 KiB). */
const FLUSH_BYTES = 256 * 1024;

/** A temp file that hashes what it is given and is committed under its SHA-256. */
export class LocalBlobWriter implements BlobWriter {
  private fh?: FileHandle;
  private readonly hash = createHash('sha256');
  private written = 0;
  private sinceCheck = 0;
  /** Chunks hashed but not yet written (at most ~FLUSH_BYTES). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private state: 'open' | 'broken' | 'closed' = 'open';

  constructor(private readonly ctx: WriterContext) {}

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

  /** Writes the gathered chunks (one writev, continued until every byte is on the file). */
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

  async commit(expected?: { sizeBytes?: number }): Promise<CommittedBlob> {
    await this.flush();
    const fh = await this.file();
    if (expected?.sizeBytes !== undefined && expected.sizeBytes !== this.written) {
      await this.abort();
      throw new AppError('blob_size_mismatch', `wrote ${this.written} bytes, expected ${expected.sizeBytes}`);
    }
    this.state = 'closed';
    const temp = this.ctx.tempPath;
    try {
      await fh.sync();
      await fh.close();
      this.fh = undefined;
      const sha256 = this.hash.digest('hex');
      const storageKey = blobKeyOf(sha256);
      const target = join(this.ctx.rootDir, storageKey);
      const dir = dirname(target);
      const created = await mkdir(dir, { recursive: true });
      await chmod(temp, 0o444);
      const existed = await placeNoOverwrite(temp, target);
      if (!existed) {
        await fsyncDir(dir);
        if (created) for (const d of [dirname(dirname(dir)), dirname(dir)]) await fsyncDir(d);
      }
      return { sha256, sizeBytes: this.written, storageKey, existed };
    } catch (err) {
      throw storeWriteError(err);
    } finally {
      await this.fh?.close().catch(() => {});
      await unlink(temp).catch(() => {});
    }
  }

  async abort(): Promise<void> {
    this.state = 'closed';
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
    await this.guard(async () => {
      await this.ctx.ensureTempDir();
      await this.ctx.ensureSpace(0);
      this.fh = await open(this.ctx.tempPath, 'wx', 0o644);
    });
    return this.fh!;
  }

  /** Any failure while writing breaks the writer (its hash no longer matches the file): abort it. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      await this.abort();
      this.state = 'broken';
      // No space, a read-only or forbidden folder: the work waits (ResourceUnavailableError).
      throw storeWriteError(err);
    }
  }
}

/** Link (fails if the target exists: never overwrites); falls back to rename where links are unsupported. */
async function placeNoOverwrite(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return true;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw err;
  }
  if (
    await stat(target).then(
      () => true,
      () => false,
    )
  )
    return true;
  await rename(temp, target);
  return false;
}
