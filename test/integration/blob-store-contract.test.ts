import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Settings } from '../../src/config.js';
import { ResourceUnavailableError } from '../../src/errors.js';
import { blobKeyOf, type BlobStore } from '../../src/ports/blob-store.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { S3BlobStore } from '../../src/storage/s3-blob-store.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';

interface Subject {
  store: BlobStore;
  /** Replaces a stored key's bytes behind the store's back (disk rot, a tampered object). */
  damage(storageKey: string, bytes: Buffer): Promise<void>;
  /** Spool or temp files left on this machine. */
  tempFiles(): Promise<number>;
  /** Where those are. */
  tempDir: string;
  close(): Promise<void>;
}

const PART = 5 * 1024 * 1024;

const subjects: { name: string; make: () => Promise<Subject> }[] = [
  {
    name: 'local',
    make: async () => {
      const root = await mkdtemp(join(tmpdir(), 'blob-contract-'));
      const store = new LocalBlobStore(root, { minFreeBytes: 0 });
      return {
        store,
        damage: async (key, bytes) => {
          await mkdir(dirname(join(root, key)), { recursive: true });
          await chmod(join(root, key), 0o644).catch(() => {});
          await writeFile(join(root, key), bytes);
        },
        tempFiles: () => countFiles(join(root, 'tmp')),
        tempDir: join(root, 'tmp'),
        close: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 's3 (s3rver)',
    make: async () => {
      const s3 = await startLocalS3();
      const spoolDir = await mkdtemp(join(tmpdir(), 'blob-contract-spool-'));
      const store = new S3BlobStore(s3Settings(s3, 'village/'), {
        spoolDir,
        minFreeBytes: 0,
        partSize: PART,
      });
      return {
        store,
        damage: async (key, bytes) => {
          await store.client.send(
            new PutObjectCommand({ Bucket: s3.bucket, Key: `village/${key}`, Body: bytes }),
          );
        },
        tempFiles: () => countFiles(join(spoolDir, 'tmp')),
        tempDir: join(spoolDir, 'tmp'),
        close: async () => {
          await s3.close();
          await rm(spoolDir, { recursive: true, force: true });
        },
      };
    },
  },
];

function s3Settings(s3: LocalS3, prefix: string, over: Partial<S3Settings> = {}): S3Settings {
  return {
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket: s3.bucket,
    prefix,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
    timeoutMs: 5000,
    ...over,
  };
}

async function countFiles(dir: string): Promise<number> {
  return (await readdir(dir).catch(() => [])).length;
}

/** This process's open file descriptors on files under `dir` (Linux: /proc/self/fd). */
async function openFilesUnder(dir: string): Promise<string[]> {
  const targets = await Promise.all(
    (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
  );
  return targets.filter((t) => t.startsWith(`${dir}/`));
}

async function store(blobs: BlobStore, bytes: Buffer, chunk = 64 * 1024) {
  const w = blobs.beginWrite();
  for (let off = 0; off < bytes.length; off += chunk) await w.write(bytes.subarray(off, off + chunk));
  return w.commit({ sizeBytes: bytes.length });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function listed(blobs: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of blobs.listBlobs()) keys.push(...page);
  return keys.sort();
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(subjects)('BlobStore contract: $name', ({ make }) => {
  let s: Subject;
  beforeAll(async () => {
    s = await make();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('writes in pieces, commits under the SHA-256, reads back the same bytes', async () => {
    const bytes = randomBytes(300_000);
    const c = await store(s.store, bytes);
    expect(c).toEqual({
      sha256: sha(bytes),
      sizeBytes: bytes.length,
      storageKey: blobKeyOf(sha(bytes)),
      existed: false,
    });
    expect(await s.store.exists(c.storageKey)).toBe(true);
    expect(await s.store.stat(c.storageKey)).toEqual({ sizeBytes: bytes.length });
    expect((await readAll(s.store.openRead(c.storageKey))).equals(bytes)).toBe(true);
    expect(await s.tempFiles()).toBe(0);
  });

  it('inspect runs on the finished local file with its hash before the commit, and its answer comes back', async () => {
    const bytes = randomBytes(100_000);
    const w = s.store.beginWrite();
    await w.write(bytes);
    const seen: { sha256: string; same: boolean; stored: boolean }[] = [];
    const c = await w.commit({ sizeBytes: bytes.length }, async (file, sha256) => {
      seen.push({
        sha256,
        same: (await readFile(file)).equals(bytes),
        stored: await s.store.exists(blobKeyOf(sha256)),
      });
      return 'inspected';
    });
    // Read from the writer's own copy, before the store holds the blob.
    expect(seen).toEqual([{ sha256: sha(bytes), same: true, stored: false }]);
    expect(c).toEqual({
      sha256: sha(bytes),
      sizeBytes: bytes.length,
      storageKey: blobKeyOf(sha(bytes)),
      existed: false,
      inspected: 'inspected',
    });
    expect((await readAll(s.store.openRead(c.storageKey))).equals(bytes)).toBe(true);
    expect(await s.tempFiles()).toBe(0);

    // An inspection that throws stores nothing and leaves no temp file.
    const other = randomBytes(1000);
    const broken = s.store.beginWrite();
    await broken.write(other);
    await expect(broken.commit({}, () => Promise.reject(new Error('cannot read it')))).rejects.toThrow(
      'cannot read it',
    );
    expect(await s.store.exists(blobKeyOf(sha(other)))).toBe(false);
    expect(await s.tempFiles()).toBe(0);
  });

  it('stores the same bytes once: a second write says it existed', async () => {
    const bytes = randomBytes(50_000);
    const first = await store(s.store, bytes);
    const again = await store(s.store, bytes, 7_000);
    expect(again).toEqual({ ...first, existed: true });
    expect((await listed(s.store)).filter((k) => k === first.storageKey)).toHaveLength(1);
  });

  it('concurrent writers of the same bytes: one stores them, the others find them', async () => {
    const bytes = randomBytes(200_000);
    const results = await Promise.all(Array.from({ length: 5 }, () => store(s.store, bytes, 16_384)));
    expect(new Set(results.map((r) => r.storageKey)).size).toBe(1);
    expect(results.filter((r) => !r.existed)).toHaveLength(1);
    expect((await readAll(s.store.openRead(results[0]!.storageKey))).equals(bytes)).toBe(true);
    expect(await s.tempFiles()).toBe(0);
  });

  it('a blob larger than one part (multipart upload) round-trips, and dedupes', async () => {
    const bytes = randomBytes(2 * PART + 12_345);
    const c = await store(s.store, bytes, 1024 * 1024);
    expect(c.existed).toBe(false);
    expect(await s.store.stat(c.storageKey)).toEqual({ sizeBytes: bytes.length });
    expect(sha(await readAll(s.store.openRead(c.storageKey)))).toBe(c.sha256);
    const both = await Promise.all([store(s.store, bytes, 1024 * 1024), store(s.store, bytes, 1024 * 1024)]);
    expect(both.every((r) => r.existed)).toBe(true);
  });

  it('a stub of another size under a hash (a writer cut off mid-PUT) is replaced by the next writer of those bytes', async () => {
    for (const size of [90_000, 2 * PART + 777]) {
      const bytes = randomBytes(size);
      const key = blobKeyOf(sha(bytes));
      await s.damage(key, Buffer.alloc(0));
      const c = await store(s.store, bytes, 1024 * 1024);
      expect(c.existed).toBe(false);
      expect(await s.store.stat(key)).toEqual({ sizeBytes: size });
      expect((await readAll(s.store.openRead(key))).equals(bytes)).toBe(true);
      // At the right size it is the blob: kept, never overwritten.
      expect((await store(s.store, bytes, 1024 * 1024)).existed).toBe(true);
    }
    expect(await s.tempFiles()).toBe(0);
  });

  it('a truncated stream (size mismatch) stores nothing and leaves no temp file', async () => {
    const bytes = randomBytes(40_000);
    const w = s.store.beginWrite();
    await w.write(bytes.subarray(0, 30_000));
    await expect(w.commit({ sizeBytes: bytes.length })).rejects.toMatchObject({ code: 'blob_size_mismatch' });
    expect(await s.store.exists(blobKeyOf(sha(bytes.subarray(0, 30_000))))).toBe(false);
    expect(await s.tempFiles()).toBe(0);
    // An abandoned writer: abort() removes what it spooled; writing after it is refused.
    const w2 = s.store.beginWrite();
    await w2.write(bytes);
    await w2.abort();
    await w2.abort();
    await expect(w2.write(bytes)).rejects.toMatchObject({ code: 'blob_writer_closed' });
    expect(await s.tempFiles()).toBe(0);
  });

  it('abort() while the first write still opens the temp file: the file is closed and removed, the write refused', async () => {
    const w = s.store.beginWrite();
    const writing = w.write(randomBytes(1000)).then(
      () => 'written',
      (err: { code?: string }) => err.code,
    );
    await w.abort();
    // Nothing left to the garbage collector ("Closing file descriptor … on garbage collection").
    expect({
      write: await writing,
      openFiles: await openFilesUnder(s.tempDir),
      tempFiles: await s.tempFiles(),
    }).toEqual({ write: 'blob_writer_closed', openFiles: [], tempFiles: 0 });
  });

  it('reads verify the hash: a flipped byte fails the stream; verify: false returns the bytes', async () => {
    const bytes = randomBytes(120_000);
    const c = await store(s.store, bytes);
    const damaged = Buffer.from(bytes);
    damaged[60_000] = damaged[60_000]! ^ 0x01;
    await s.damage(c.storageKey, damaged);
    let received = 0;
    const reading = s.store.openRead(c.storageKey);
    reading.on('data', (chunk: Buffer) => (received += chunk.length));
    await expect(readAll(reading)).rejects.toMatchObject({ code: 'blob_damaged' });
    // The last chunk is held back: a reader never gets every byte of a damaged file.
    expect(received).toBeLessThan(bytes.length);
    expect((await readAll(s.store.openRead(c.storageKey, { verify: false }))).equals(damaged)).toBe(true);
  });

  it('a missing object: not found on read, stat undefined, exists false', async () => {
    const key = blobKeyOf('0'.repeat(64));
    await expect(readAll(s.store.openRead(key))).rejects.toMatchObject({ code: 'blob_missing' });
    expect(await s.store.stat(key)).toBeUndefined();
    expect(await s.store.exists(key)).toBe(false);
    expect(() => s.store.openRead('../etc/passwd')).toThrow(/not a storage key/);
  });

  it('lists every blob key for the 四性 orphan check, and the derived files apart', async () => {
    const bytes = randomBytes(10_000);
    const c = await store(s.store, bytes);
    await s.store.putDerived(`thumbs/${c.sha256}.jpg`, Buffer.from('thumb'));
    const keys = await listed(s.store);
    expect(keys).toContain(c.storageKey);
    expect(keys.every((k) => /^blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(k))).toBe(true);
    expect((await readAll(s.store.openRead(`thumbs/${c.sha256}.jpg`))).toString()).toBe('thumb');
    // Derived files are listed on their own (backup copies them).
    const derived: string[] = [];
    for await (const page of s.store.listDerived()) derived.push(...page);
    expect(derived).toContain(`thumbs/${c.sha256}.jpg`);
    expect(derived.every((k) => k.startsWith('thumbs/'))).toBe(true);
    // With their sizes (a backup records them): a stub left under a hash shows its own size.
    const stub = blobKeyOf(sha(randomBytes(500)));
    await s.damage(stub, Buffer.alloc(0));
    const sizes = new Map<string, number>();
    for await (const page of s.store.listBlobSizes()) for (const o of page) sizes.set(o.key, o.sizeBytes);
    expect(sizes.get(c.storageKey)).toBe(10_000);
    expect(sizes.get(stub)).toBe(0);
    expect([...sizes.keys()].sort()).toEqual(await listed(s.store));
    await expect(s.store.putDerived(`blobs/aa/bb/${'a'.repeat(64)}`, Buffer.from('x'))).rejects.toThrow(
      /cannot go to/,
    );
  });

  it('cleanupTemp removes what a writer left behind', async () => {
    const w = s.store.beginWrite();
    await w.write(randomBytes(1000));
    expect(await s.tempFiles()).toBe(1);
    expect(await s.store.cleanupTemp(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await s.tempFiles()).toBe(0);
    await s.store.ensureWritable();
    // The left-behind writer stands for a killed process's, whose file descriptor died with it: ours
    // still holds one, closed here rather than by the garbage collector.
    await w.abort();
    expect(await openFilesUnder(s.tempDir)).toEqual([]);
  });
});

describe('S3 store specifics (s3rver)', () => {
  let s3: LocalS3;
  let spoolDir: string;
  beforeAll(async () => {
    s3 = await startLocalS3();
    spoolDir = await mkdtemp(join(tmpdir(), 'blob-s3-spool-'));
  });
  afterAll(async () => {
    await s3?.close();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('cleanupTemp aborts stale multipart uploads under the prefix, and only those', async () => {
    const store = new S3BlobStore(s3Settings(s3, 'a/'), { spoolDir, minFreeBytes: 0 });
    const mine = await store.client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'a/blobs/x' }),
    );
    await store.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'other/blobs/y' }));
    // Not stale yet: begun after the cut-off.
    expect(await store.cleanupTemp(new Date(Date.now() - 60_000))).toBe(0);
    expect(await store.cleanupTemp(new Date(Date.now() + 60_000))).toBe(1);
    const left = await store.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
    expect(left.Uploads?.map((u) => u.Key)).toEqual(['other/blobs/y']);
    expect(left.Uploads?.some((u) => u.UploadId === mine.UploadId)).toBe(false);
  });

  it('start-up check: wrong credentials and a missing bucket each give one clear sentence', async () => {
    const wrongKey = new S3BlobStore(
      s3Settings(s3, '', { accessKeyId: 'WRONGKEY', secretAccessKey: 'not-the-secret' }),
      { spoolDir },
    );
    await expect(wrongKey.checkReachable()).rejects.toThrow(/不接受存储桶 archive 的凭证/);
    const noBucket = new S3BlobStore(s3Settings(s3, '', { bucket: 'no-such-bucket' }), { spoolDir });
    await expect(noBucket.checkReachable()).rejects.toThrow(/上没有存储桶 no-such-bucket/);
    await new S3BlobStore(s3Settings(s3, ''), { spoolDir }).checkReachable();
  });

  it('a store that is down makes writes wait (ResourceUnavailableError), leaving no spool file', async () => {
    const down = new S3BlobStore(s3Settings(s3, '', { endpoint: 'http://127.0.0.1:1', timeoutMs: 2000 }), {
      spoolDir,
      minFreeBytes: 0,
    });
    const w = down.beginWrite();
    await w.write(randomBytes(1000));
    const err = await w.commit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceUnavailableError);
    expect(err).toMatchObject({ reason: 'store_unwritable', code: 'store_unreachable' });
    expect(String((err as Error).message)).toMatch(/连不上对象存储/);
    await expect(down.ensureWritable()).rejects.toBeInstanceOf(ResourceUnavailableError);
    expect(await countFiles(join(spoolDir, 'tmp'))).toBe(0);
  });

  it('a one-part upload the store answers with the MD5 of the bytes needs no HEAD; any other answer gets one', async () => {
    const store = new S3BlobStore(s3Settings(s3, 'etag/'), { spoolDir, minFreeBytes: 0 });
    const commands: string[] = [];
    let etagOverride: string | undefined;
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        const out = await next(args);
        if (context.commandName === 'PutObjectCommand' && etagOverride !== undefined)
          (out.output as { ETag?: string }).ETag = etagOverride;
        return out;
      },
      { step: 'initialize' },
    );
    const put = async (bytes: Buffer) => {
      commands.length = 0;
      const w = store.beginWrite();
      await w.write(bytes);
      return w.commit({ sizeBytes: bytes.length });
    };
    const a = randomBytes(5000);
    expect(await put(a)).toMatchObject({ existed: false });
    expect(commands).toEqual(['PutObjectCommand']);
    // An ETag that is not the MD5 (e.g. encryption with a managed key): the size is checked with a HEAD.
    etagOverride = '"not-an-md5"';
    const b = randomBytes(5000);
    expect(await put(b)).toMatchObject({ existed: false });
    expect(commands).toEqual(['PutObjectCommand', 'HeadObjectCommand']);
    etagOverride = undefined;
    for (const bytes of [a, b]) expect(await readAll(store.openRead(blobKeyOf(sha(bytes))))).toEqual(bytes);
  });

  it('a passed write probe stands for a few seconds, unless a call finds the store down meanwhile', async () => {
    const local = await startLocalS3();
    try {
      const bucket = new S3BlobStore(s3Settings(local, '', { timeoutMs: 2000 }), {
        spoolDir,
        minFreeBytes: 0,
      });
      await bucket.ensureWritable();
      await local.stop();
      // Every download asks before it starts: the fresh probe answers without a request.
      await bucket.ensureWritable();
      // The write itself then finds the store down and waits (the attempt is given back) …
      const w = bucket.beginWrite();
      await w.write(randomBytes(1000));
      await expect(w.commit()).rejects.toMatchObject({ reason: 'store_unwritable' });
      // … and the re-check probes again.
      await expect(bucket.ensureWritable()).rejects.toMatchObject({ reason: 'store_unwritable' });
      await local.resume();
      await bucket.ensureWritable();
    } finally {
      await local.close();
    }
  });
});
