import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskFullError } from '../../src/ports/blob-store.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('LocalBlobStore', () => {
  let root: string;
  let store: LocalBlobStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'blob-store-'));
    store = new LocalBlobStore(root, { minFreeBytes: 0 });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const tempFiles = () => (existsSync(join(root, 'tmp')) ? readdirSync(join(root, 'tmp')) : []);

  it('writes chunk after chunk, hashes, and commits content-addressed', async () => {
    const w = store.beginWrite();
    await w.write(Buffer.from('hello '));
    await w.write(Buffer.from('world'));
    expect(w.bytesWritten).toBe(11);
    const c = await w.commit({ sizeBytes: 11 });
    const h = sha('hello world');
    expect(c).toEqual({
      sha256: h,
      sizeBytes: 11,
      storageKey: `blobs/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`,
      existed: false,
    });
    expect(readFileSync(join(root, c.storageKey), 'utf8')).toBe('hello world');
    expect(store.pathOf(c.storageKey)).toBe(join(root, c.storageKey));
    expect(await store.exists(c.storageKey)).toBe(true);
    expect(await store.stat(c.storageKey)).toEqual({ sizeBytes: 11 });
    expect(await text(store.openRead(c.storageKey))).toBe('hello world');
    expect(statSync(join(root, c.storageKey)).mode & 0o222).toBe(0); // read-only
    expect(tempFiles()).toEqual([]);
  });

  it('never overwrites: the same bytes again report existed and leave no temp file', async () => {
    const a = store.beginWrite();
    await a.write(Buffer.from('same'));
    const first = await a.commit();
    const b = store.beginWrite();
    await b.write(Buffer.from('same'));
    const second = await b.commit();
    expect(second).toEqual({ ...first, existed: true });
    expect(tempFiles()).toEqual([]);
    expect(readdirSync(join(root, first.storageKey, '..'))).toEqual([first.sha256]);
  });

  it('abort removes the temp file; a size mismatch aborts and commits nothing', async () => {
    const a = store.beginWrite();
    await a.write(Buffer.from('partial'));
    expect(tempFiles()).toHaveLength(1);
    await a.abort();
    await a.abort();
    expect(tempFiles()).toEqual([]);
    await expect(a.write(Buffer.from('x'))).rejects.toMatchObject({ code: 'blob_writer_closed' });

    const b = store.beginWrite();
    await b.write(Buffer.from('12345'));
    await expect(b.commit({ sizeBytes: 6 })).rejects.toMatchObject({ code: 'blob_size_mismatch' });
    expect(tempFiles()).toEqual([]);
    expect(existsSync(join(root, 'blobs'))).toBe(false);
  });

  it('a passed write probe stands for a few seconds, unless a write into the store fails meanwhile', async () => {
    await store.ensureWritable();
    // The store stops taking writes (a file where tmp/ must be: refused even for root).
    rmSync(join(root, 'tmp'), { recursive: true, force: true });
    writeFileSync(join(root, 'tmp'), '');
    // Every download asks before it starts: the fresh probe answers without touching the disk …
    await store.ensureWritable();
    // … the write itself finds the store refusing and waits (store_unwritable) …
    const w = store.beginWrite();
    await expect(w.write(Buffer.from('x'))).rejects.toMatchObject({ reason: 'store_unwritable' });
    // … and the re-check probes for real, until the store takes writes again.
    await expect(store.ensureWritable()).rejects.toMatchObject({ reason: 'store_unwritable' });
    rmSync(join(root, 'tmp'));
    await store.ensureWritable();
  });

  it('tmp/ removed while the store runs is made again by the next write', async () => {
    const a = store.beginWrite();
    await a.write(Buffer.from('one'));
    await a.commit();
    rmSync(join(root, 'tmp'), { recursive: true, force: true });
    const b = store.beginWrite();
    await b.write(Buffer.from('two'));
    const c = await b.commit();
    expect(readFileSync(join(root, c.storageKey), 'utf8')).toBe('two');
    expect(tempFiles()).toEqual([]);
  });

  it('refuses to write below the free-space reserve (disk_full)', async () => {
    const full = new LocalBlobStore(root, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    const w = full.beginWrite();
    const err = await w.write(Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskFullError);
    expect(err).toMatchObject({ code: 'disk_full' });
    // The log and the command line say it in Chinese, with the setting.
    expect((err as Error).message).toMatch(
      /^磁盘剩余 [\d,]+ MB，再写入 [\d,]+ MB 就会低于保留的 [\d,]+ MB（MIN_FREE_DISK_MB）/,
    );
    expect(tempFiles()).toEqual([]);
    expect(await store.freeBytes()).toBeGreaterThan(0);

    const ok = store.beginWrite();
    const free = await store.freeBytes();
    await expect(ok.reserve(free * 2)).rejects.toMatchObject({ code: 'disk_full' });
  });

  it('stores derived files atomically and rejects keys that escape or target blobs', async () => {
    const key = await store.putDerived(`thumbs/${'a'.repeat(64)}.jpg`, Buffer.from('thumb'));
    expect(readFileSync(join(root, key), 'utf8')).toBe('thumb');
    await store.putDerived(key, Buffer.from('thumb2'));
    expect(readFileSync(join(root, key), 'utf8')).toBe('thumb2');
    await expect(store.putDerived(`blobs/aa/bb/${'a'.repeat(64)}`, Buffer.from('x'))).rejects.toMatchObject({
      code: 'bad_storage_key',
    });
    for (const bad of ['../outside', 'thumbs/../../x', '/etc/passwd', 'a//b', '', 'thumbs/./x', 'a\\b']) {
      expect(() => store.pathOf(bad)).toThrow(/storage key/);
    }
    expect(await store.stat('thumbs/nothing.jpg')).toBeUndefined();
    expect(await store.exists('thumbs/nothing.jpg')).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('cleans up temp files left by a crashed writer', async () => {
    mkdirSync(join(root, 'tmp'));
    const old = join(root, 'tmp', 'crashed.part');
    writeFileSync(old, 'half a file');
    const past = new Date(Date.now() - 3600_000);
    utimesSync(old, past, past);
    const live = store.beginWrite();
    await live.write(Buffer.from('in progress'));
    expect(await store.cleanupTemp(new Date(Date.now() - 60_000))).toBe(1);
    expect(tempFiles()).toHaveLength(1);
    const c = await live.commit();
    expect(c.sizeBytes).toBe(11);
    expect(await new LocalBlobStore(join(root, 'nowhere')).cleanupTemp(new Date())).toBe(0);
  });

  it('commits an empty blob when asked (the use case decides what empty means)', async () => {
    const w = store.beginWrite();
    const c = await w.commit({ sizeBytes: 0 });
    expect(c.sha256).toBe(sha(''));
    expect(c.sizeBytes).toBe(0);
  });
});

// A disk that fills up under a write (another program, or a free-space reading a second old): ENOSPC
// mid-file. A small tmpfs of its own makes it happen for real (mounting needs root).
describe.skipIf(process.getuid?.() !== 0)('LocalBlobStore on a disk that fills up', () => {
  let disk: string;
  beforeEach(() => {
    disk = mkdtempSync(join(tmpdir(), 'blob-store-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
  });
  afterEach(() => {
    execFileSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  it('a derived file (thumbnail) cut short by ENOSPC waits as disk_low and leaves no partial file in tmp/', async () => {
    const store = new LocalBlobStore(disk, { minFreeBytes: 0 });
    await store.ensureWritable();
    // Filled to within a few KB by something else after the store looked.
    writeFileSync(join(disk, 'other-program.bin'), Buffer.alloc(1024 * 1024 - 16 * 1024));
    const err = await store.putDerived(`thumbs/${'b'.repeat(64)}.jpg`, Buffer.alloc(200 * 1024, 7)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DiskFullError);
    // Each retry of the thumbnail job left its partial file behind, filling the disk further.
    expect(readdirSync(join(disk, 'tmp'))).toEqual([]);
  });
});
