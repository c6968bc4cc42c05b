import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  access,
  mkdir,
  open,
  opendir,
  readdir,
  rename,
  stat,
  statfs,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { AppError } from '../errors.js';
import {
  DiskFullError,
  StoreUnwritableError,
  storeWriteError,
  type BlobStore,
  type BlobWriter,
} from '../ports/blob-store.js';
import { isGone, selfIdentity } from '../process-identity.js';
import { fsyncDir } from './fsync-dir.js';
import { placeBlob } from './local-blob-writer.js';
import { SpoolBlobWriter } from './spool-blob-writer.js';
import { missingAsNotFound, verifyBlob } from './verified-read.js';

export interface LocalBlobStoreOptions {
  /** Refuse to write when less than this would remain free (default 1 GiB). */
  minFreeBytes?: number;
  /** How long one free-space reading is trusted (minus what was reserved since); default 1 s. */
  freeSpaceTtlMs?: number;
}

/** A write probe that passed this recently is trusted (every download asks before it starts). */
const PROBE_FRESH_MS = 5000;

/**
 * Written into the store's folder by `storage migrate` once every file is verified in the bucket: the
 * switch. From then on the folder is no longer the store and refuses writes.
 */
export const MOVED_MARKER = 'MOVED-TO-S3.json';

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Bytes as whole MB for a person (the low-disk message). */
const mb = (n: number) => `${Math.floor(n / 1024 / 1024).toLocaleString('en-US')} MB`;
/**
 * Blobs on the local disk under `rootDir`: `blobs/ab/cd/<sha256>` (read-only files, never
 * overwritten), `thumbs/…` for derived files, `tmp/` for writes in progress.
 */
export class LocalBlobStore implements BlobStore {
  readonly rootDir: string;
  private readonly tmpDir: string;
  private readonly minFreeBytes: number;
  private readonly freeSpaceTtlMs: number;
  /** The last free-space reading, less the bytes reserved since (a busy store reads it once a second). */
  private free?: { bytes: number; at: number };
  private rootReady?: Promise<unknown>;
  /** When the last write probe passed; forgotten when a write into the store fails. */
  private probedAt = -Infinity;
  /** tmp/ was made (or found); forgotten with the probe. */
  private tmpReady = false;

  constructor(rootDir: string, options: LocalBlobStoreOptions = {}) {
    this.rootDir = resolve(rootDir);
    this.tmpDir = join(this.rootDir, 'tmp');
    this.minFreeBytes = options.minFreeBytes ?? 1024 ** 3;
    this.freeSpaceTtlMs = options.freeSpaceTtlMs ?? 1000;
  }

  beginWrite(): BlobWriter {
    return new SpoolBlobWriter({
      tempPath: this.newTempPath(),
      mode: 0o644,
      sync: true,
      ensureSpace: (more) => this.ensureSpace(more),
      ensureTempDir: (again) => this.ensureTempDir(again),
      store: (temp, sha256, sizeBytes) =>
        this.refuseIfMoved()
          .then(() => placeBlob(this.rootDir, temp, sha256, sizeBytes))
          .catch((err: unknown) => {
            this.forgetProbe();
            throw err;
          }),
      failed: () => this.forgetProbe(),
    });
  }

  openRead(storageKey: string, options: { verify?: boolean } = {}): Readable {
    const file = createReadStream(this.pathOf(storageKey));
    const mapped = new PassThrough();
    file.on('error', (err) => mapped.destroy(missingAsNotFound(storageKey, err) as Error));
    file.pipe(mapped);
    return options.verify === false ? mapped : verifyBlob(storageKey, mapped);
  }

  localPath(storageKey: string): string {
    return this.pathOf(storageKey);
  }

  /** Walks `blobs/ab/cd/` one leaf folder at a time (flat memory). */
  async *listBlobs(): AsyncIterable<string[]> {
    const root = join(this.rootDir, 'blobs');
    for (const a of await listDir(root)) {
      if (!HEX2.test(a)) continue;
      for (const b of await listDir(join(root, a))) {
        if (!HEX2.test(b)) continue;
        const names = await listDir(join(root, a, b));
        if (names.length > 0) yield names.map((n) => `blobs/${a}/${b}/${n}`);
      }
    }
  }

  /** listBlobs with each file's size (one stat per file). */
  async *listBlobSizes(): AsyncIterable<{ key: string; sizeBytes: number }[]> {
    for await (const keys of this.listBlobs()) {
      const page: { key: string; sizeBytes: number }[] = [];
      for (const key of keys) {
        const s = await this.stat(key);
        if (s) page.push({ key, sizeBytes: s.sizeBytes });
      }
      if (page.length > 0) yield page;
    }
  }

  /** `thumbs/` read through a directory handle, 1,000 names a page (flat memory). */
  async *listDerived(): AsyncIterable<string[]> {
    const dir = await opendir(join(this.rootDir, 'thumbs')).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!dir) return;
    let page: string[] = [];
    for await (const e of dir) {
      if (!e.isFile()) continue;
      page.push(`thumbs/${e.name}`);
      if (page.length === 1000) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async exists(storageKey: string): Promise<boolean> {
    return access(this.pathOf(storageKey)).then(
      () => true,
      () => false,
    );
  }

  async stat(storageKey: string): Promise<{ sizeBytes: number } | undefined> {
    try {
      const s = await stat(this.pathOf(storageKey));
      return s.isFile() ? { sizeBytes: s.size } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  pathOf(storageKey: string): string {
    if (!KEY.test(storageKey) || storageKey.split('/').some((s) => s === '.' || s === '..')) {
      throw new AppError('bad_storage_key', `not a storage key: ${JSON.stringify(storageKey)}`);
    }
    const path = resolve(this.rootDir, storageKey);
    if (!path.startsWith(this.rootDir + sep))
      throw new AppError('bad_storage_key', 'storage key escapes the root');
    return path;
  }

  async putDerived(key: string, bytes: Uint8Array): Promise<string> {
    if (/^(blobs|tmp)\//.test(key))
      throw new AppError('bad_storage_key', `derived files cannot go to ${key}`);
    const target = this.pathOf(key);
    return this.writeDerived(target, bytes).then(
      () => key,
      (err: unknown) => {
        throw storeWriteError(err);
      },
    );
  }

  /**
   * Room to write (read at most once a second), and a real write: permission bits say nothing for
   * root, nor for a read-only mount. A probe that passed within PROBE_FRESH_MS stands, unless a write
   * into the store failed since (that write waits all the same, and the re-check probes again).
   */
  async ensureWritable(): Promise<void> {
    try {
      await this.refuseIfMoved();
      await this.ensureSpace(0);
      if (Date.now() - this.probedAt < PROBE_FRESH_MS) return;
      await this.ensureTempDir(true);
      const probe = this.newTempPath();
      await writeFile(probe, '');
      await unlink(probe);
      this.probedAt = Date.now();
    } catch (err) {
      this.forgetProbe();
      throw storeWriteError(err);
    }
  }

  /**
   * After `storage migrate` switched (MOVED_MARKER), a bot still running on this folder must not go on
   * storing into it: every write fails as a store that refuses writes (downloads give their attempt
   * back and wait, /readyz says store_unwritable, the alert goes out) until it is restarted with
   * BLOB_STORE=s3. Asked before each download and again before each file is placed.
   */
  private async refuseIfMoved(): Promise<void> {
    const moved = await access(join(this.rootDir, MOVED_MARKER)).then(
      () => true,
      () => false,
    );
    if (moved)
      throw new StoreUnwritableError(
        `存储的文件已由 storage migrate 搬到对象存储（${MOVED_MARKER}）：请设置 BLOB_STORE=s3 后重启机器人`,
      );
  }

  /** A write into the store failed: the next `ensureWritable` probes again. */
  forgetProbe(): void {
    this.probedAt = -Infinity;
    this.tmpReady = false;
  }

  private async writeDerived(target: string, bytes: Uint8Array): Promise<void> {
    await this.refuseIfMoved();
    await this.ensureSpace(bytes.length);
    await this.ensureTempDir();
    const temp = this.newTempPath();
    const fh = await open(temp, 'wx', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } catch (err) {
      // A disk that filled up under the write (ENOSPC): the partial file goes, not left to fill it more.
      await fh.close().catch(() => {});
      await unlink(temp).catch(() => {});
      throw err;
    }
    await fh.close();
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
      await fsyncDir(dirname(target));
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
  }

  async freeBytes(): Promise<number> {
    this.rootReady ??= mkdir(this.rootDir, { recursive: true });
    await this.rootReady.catch((err: unknown) => {
      this.rootReady = undefined;
      throw err;
    });
    const s = await statfs(this.rootDir);
    return Number(s.bavail) * Number(s.bsize);
  }

  async cleanupTemp(olderThan: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tmpDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(this.tmpDir, name);
      const s = await stat(path).catch(() => undefined);
      if (s?.isFile() && (s.mtime < olderThan || writerIsGone(name))) {
        await unlink(path).then(
          () => removed++,
          () => {},
        );
      }
    }
    return removed;
  }

  /** Throws DiskFullError when writing `moreBytes` would go below the reserve (S3BlobStore's spool uses it too). */
  async ensureSpace(moreBytes: number): Promise<void> {
    const now = Date.now();
    // Read the disk again when the reading is old, or when the answer could be close to "no".
    if (
      !this.free ||
      now - this.free.at > this.freeSpaceTtlMs ||
      this.free.bytes - moreBytes < 2 * this.minFreeBytes
    ) {
      this.free = { bytes: await this.freeBytes(), at: now };
    }
    const free = this.free.bytes;
    if (free - moreBytes < this.minFreeBytes) {
      throw new DiskFullError(
        `磁盘剩余 ${mb(free)}，再写入 ${mb(moreBytes)} 就会低于保留的 ${mb(this.minFreeBytes)}（MIN_FREE_DISK_MB）：请清理磁盘或扩容，工作会自动继续`,
        free,
      );
    }
    this.free.bytes -= moreBytes;
  }

  /** Makes tmp/ once (`again`: it went away since, make it again). */
  async ensureTempDir(again = false): Promise<void> {
    if (this.tmpReady && !again) return;
    await mkdir(this.tmpDir, { recursive: true });
    this.tmpReady = true;
  }

  /** `<host>~<pid>~<start>~<ms>-<random>.part`: who writes it, so a dead writer's file is known. */
  newTempPath(): string {
    const me = selfIdentity();
    return join(
      this.tmpDir,
      `${me.host}~${me.pid}~${me.start}~${Date.now()}-${randomBytes(8).toString('hex')}.part`,
    );
  }
}

const HEX2 = /^[0-9a-f]{2}$/;

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A temp file named by a writer process that is gone (killed mid-download): nobody will finish it. */
function writerIsGone(name: string): boolean {
  const [host, pid, start] = name.split('~');
  if (!host || !pid || !/^\d+$/.test(pid) || !start) return false;
  return isGone({ host, pid: Number(pid), start });
}
