import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { and, eq, inArray } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ports/clock.js';
import { blobs as blobsTable, materials } from '../../src/db/schema/materials.js';
import { LarkApiError, LarkNetworkError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { DiskFullError } from '../../src/ports/blob-store.js';
import { jobs } from '../../src/db/schema/jobs.js';
import { JOB_PRIORITY } from '../../src/domain/job-type.js';
import { MAKE_THUMBNAIL_JOB } from '../../src/domain/job-types.js';
import { makeMaterialThumbnail } from '../../src/usecases/make-material-thumbnail.js';
import type { ChatGateway, DownloadInput, ResourceDownload } from '../../src/ports/chat-gateway.js';
import { sanitizeFileName } from '../../src/storage/sanitize-file-name.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import {
  downloadMaterial,
  markDownloadFailed,
  type DownloadMaterialDeps,
} from '../../src/usecases/download-material.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** Bytes of one resource, produced on demand (a 150 MB file need not sit in memory). */
interface Source {
  size: number;
  read(start: number, end: number): Iterable<Buffer>;
}

const bytesSource = (buf: Buffer): Source => ({
  size: buf.length,
  *read(start, end) {
    for (let p = start; p < end; p += 64 * 1024) yield buf.subarray(p, Math.min(end, p + 64 * 1024));
  },
});

/** `block` repeated `times` times, served in 64 KiB pieces without copying. */
const repeatedSource = (block: Buffer, times: number): Source => ({
  size: block.length * times,
  *read(start, end) {
    for (let p = start; p < end;) {
      const off = p % block.length;
      const n = Math.min(end - p, block.length - off, 64 * 1024);
      yield block.subarray(off, off + n);
      p += n;
    }
  },
});

type Fault =
  { kind: 'throw'; error: Error } | { kind: 'truncate'; after: number } | { kind: 'reset'; after: number };

/**
 * A test double of the external Lark port: serves resources from memory like
 * GET /im/v1/messages/:id/resources/:key (Range → 206 + Content-Range), with injectable faults.
 */
class MemoryLark implements ChatGateway {
  readonly calls: DownloadInput[] = [];
  readonly faults: Fault[] = [];
  persistentFault?: Fault;
  ignoreRange = false;
  private readonly resources = new Map<string, { source: Source; messageIds: Set<string> }>();
  private readonly refusals = new Map<string, number>();

  serve(messageIds: string[], fileKey: string, source: Source): void {
    this.resources.set(fileKey, { source, messageIds: new Set(messageIds) });
  }

  refuse(messageId: string, larkCode: number): void {
    this.refusals.set(messageId, larkCode);
  }

  async downloadResource(input: DownloadInput): Promise<ResourceDownload> {
    this.calls.push(input);
    const fault = this.faults.shift() ?? this.persistentFault;
    if (fault?.kind === 'throw') throw fault.error;
    const refusal = this.refusals.get(input.messageId);
    if (refusal) throw new LarkApiError(refusal, `refused (${refusal})`, 400);
    const res = this.resources.get(input.fileKey);
    if (!res || !res.messageIds.has(input.messageId))
      throw new LarkApiError(234003, 'File not in message.', 400);
    const { size } = res.source;
    if (!input.range || this.ignoreRange) {
      return {
        status: 200,
        contentLength: size,
        contentType: 'application/octet-stream',
        stream: this.body(res.source, 0, size, fault),
      };
    }
    if (input.range.start >= size) return { status: 416, stream: Readable.from([]) };
    const end = Math.min(input.range.end, size - 1);
    return {
      status: 206,
      contentLength: end - input.range.start + 1,
      contentRange: { start: input.range.start, end, total: size },
      stream: this.body(res.source, input.range.start, end + 1, fault),
    };
  }

  private body(source: Source, start: number, end: number, fault: Fault | undefined): Readable {
    async function* gen() {
      let sent = 0;
      for (const piece of source.read(start, end)) {
        if (fault && fault.kind !== 'throw' && sent + piece.length > fault.after) {
          yield piece.subarray(0, fault.after - sent);
          if (fault.kind === 'reset')
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          return;
        }
        sent += piece.length;
        yield piece;
      }
    }
    return Readable.from(gen(), { objectMode: false });
  }

  sendMessage = notUsed;
  reply = notUsed;
  addReaction = notUsed;
  patchCard = notUsed;
  getMessage = notUsed;
  listMessages = notUsed;
  uploadImage = notUsed;
  uploadFile = notUsed;
  getChat = notUsed;
  listChatMembers = notUsed;
  membersChanged = notUsed;
  getUser = notUsed;
  getBotInfo = notUsed;
  readUsers = notUsed;
}

async function notUsed(): Promise<never> {
  throw new Error('not used by downloads');
}

const sha = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('downloadMaterial', () => {
  let tdb: TestDb;
  let root: string;
  let store: LocalBlobStore;
  let lark: MemoryLark;
  let deps: DownloadMaterialDeps;
  let seq = 0;
  const NOW = new Date('2025-03-01T08:00:00Z');

  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(async () => {
    await tdb.close();
  });
  beforeEach((ctx) => {
    root = mkdtempSync(join(tmpdir(), 'download-material-'));
    ctx.onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    store = new LocalBlobStore(root, { minFreeBytes: 0 });
    lark = new MemoryLark();
    deps = {
      db: tdb.db,
      gateway: lark,
      blobs: store,
      clock: { ...systemClock, now: () => NOW },
      logger: silentLogger(),
      metrics: new Metrics(),
      timeZone: 'Asia/Shanghai',
      options: { chunkRetryDelayMs: 0 },
    };
  });

  async function newMaterial(over: Partial<typeof materials.$inferInsert> = {}) {
    seq++;
    const [row] = await tdb.db
      .insert(materials)
      .values({
        messageId: `om_msg_${seq}`,
        resourceKey: `file_key_${seq}`,
        resourceType: 'file',
        chatId: 'oc_village_1',
        senderOpenId: 'ou_officer',
        sentAt: NOW,
        kind: 'document',
        createdAt: NOW,
        ...over,
      })
      .returning();
    return row!;
  }

  const material = async (id: number) =>
    (await tdb.db.select().from(materials).where(eq(materials.id, id)))[0]!;
  const blobFiles = () =>
    (existsSync(join(root, 'blobs')) ? readdirSync(join(root, 'blobs'), { recursive: true }) : []).filter(
      (p) => String(p).split(sep).length === 3,
    );
  /** The thumbnail jobs of these materials. */
  const thumbnailJobs = (...ids: number[]) =>
    tdb.db
      .select({ key: jobs.key, priority: jobs.priority })
      .from(jobs)
      .where(and(eq(jobs.kind, MAKE_THUMBNAIL_JOB.name), inArray(jobs.key, ids.map(String))));
  const tempFiles = () => (existsSync(join(root, 'tmp')) ? readdirSync(join(root, 'tmp')) : []);

  it('stores an image with its SHA-256 and EXIF facts; its thumbnail job makes the thumbnail', async () => {
    const jpeg = await sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#7a5' } })
      .jpeg()
      .withExif({
        IFD0: { Make: 'HUAWEI', Model: 'P40' },
        IFD2: { DateTimeOriginal: '2025:02:28 15:04:05' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '30/1 30/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '114/1 18/1 0/1',
        },
      })
      .toBuffer();
    const m = await newMaterial({ resourceType: 'image', kind: 'photo', resourceKey: 'img_v3_photo' });
    lark.serve([m.messageId], 'img_v3_photo', bytesSource(jpeg));

    const out = await downloadMaterial(deps, m.id);

    expect(out).toEqual({ status: 'stored', sha256: sha(jpeg) });
    const row = await material(m.id);
    expect(row).toMatchObject({
      status: 'stored',
      sha256: sha(jpeg),
      sizeBytes: jpeg.length,
      sniffedMime: 'image/jpeg',
      storageKey: `blobs/${sha(jpeg).slice(0, 2)}/${sha(jpeg).slice(2, 4)}/${sha(jpeg)}`,
      attempts: 1,
      takenAt: new Date('2025-02-28T07:04:05Z'),
      cameraMake: 'HUAWEI',
      cameraModel: 'P40',
      width: 2400,
      height: 1600,
      quality: 'ok',
      thumbnailKey: null,
      storedAt: NOW,
      duplicateOf: null,
      lastError: null,
    });
    expect(row.gpsLat).toBeCloseTo(30.5, 6);
    expect(row.gpsLng).toBeCloseTo(114.3, 6);
    expect(readFileSync(store.pathOf(row.storageKey!)).equals(jpeg)).toBe(true);
    // The thumbnail is a job of its own, queued with the stored row, behind the downloads.
    expect(await thumbnailJobs(m.id)).toEqual([{ key: String(m.id), priority: JOB_PRIORITY.last }]);
    expect(await makeMaterialThumbnail(deps, m.id)).toBe('made');
    const thumbKey = (await material(m.id)).thumbnailKey;
    expect(thumbKey).toBe(`thumbs/${sha(jpeg)}.jpg`);
    expect((await sharp(store.pathOf(thumbKey!)).metadata()).width).toBe(320);
    expect(await makeMaterialThumbnail(deps, m.id)).toBe('skipped');
    const [blob] = await tdb.db
      .select()
      .from(blobsTable)
      .where(eq(blobsTable.sha256, sha(jpeg)));
    expect(blob).toMatchObject({
      sizeBytes: jpeg.length,
      sniffedMime: 'image/jpeg',
      storageKey: row.storageKey,
    });
    expect(lark.calls[0]).toMatchObject({
      messageId: m.messageId,
      fileKey: 'img_v3_photo',
      type: 'image',
      range: { start: 0 },
    });
    expect(deps.metrics.value('material_downloads_total', { status: 'stored' })).toBe(1);
    expect(tempFiles()).toEqual([]);

    // Running again (a duplicate job) is a no-op.
    expect(await downloadMaterial(deps, m.id)).toEqual({ status: 'stored', sha256: sha(jpeg) });
    expect(lark.calls).toHaveLength(1);
    // The same bytes again: that thumbnail is taken, none is made.
    const again = await newMaterial({ resourceType: 'image', kind: 'photo', resourceKey: 'img_v3_again' });
    lark.serve([again.messageId], 'img_v3_again', bytesSource(jpeg));
    await downloadMaterial(deps, again.id);
    expect(await makeMaterialThumbnail(deps, again.id)).toBe('found');
    expect((await material(again.id)).thumbnailKey).toBe(thumbKey);
  });

  it('stores the same bytes once; later materials point at the first', async () => {
    const bytes = randomBytes(50_000);
    const a = await newMaterial();
    const b = await newMaterial();
    const c = await newMaterial();
    for (const m of [a, b, c]) lark.serve([m.messageId], m.resourceKey, bytesSource(bytes));

    expect(await downloadMaterial(deps, a.id)).toEqual({ status: 'stored', sha256: sha(bytes) });
    expect(await downloadMaterial(deps, b.id)).toEqual({
      status: 'stored',
      sha256: sha(bytes),
      duplicateOf: a.id,
    });
    expect(await downloadMaterial(deps, c.id)).toEqual({
      status: 'stored',
      sha256: sha(bytes),
      duplicateOf: a.id,
    });
    expect(blobFiles()).toHaveLength(1);
    expect((await material(b.id)).duplicateOf).toBe(a.id);
    // Not photos: no thumbnail job.
    expect(await thumbnailJobs(a.id, b.id, c.id)).toEqual([]);
    expect(
      await tdb.db
        .select()
        .from(blobsTable)
        .where(eq(blobsTable.sha256, sha(bytes))),
    ).toHaveLength(1);
  });

  it('retries a truncated chunk from where it stopped and stores the whole file', async () => {
    const bytes = randomBytes(200 * 1024);
    const m = await newMaterial();
    lark.serve([m.messageId], m.resourceKey, bytesSource(bytes));
    lark.faults.push({ kind: 'truncate', after: 0 }, { kind: 'truncate', after: 1000 }); // first chunk twice cut short
    lark.faults.push({ kind: 'reset', after: 5000 }); // then a connection reset mid-chunk

    const out = await downloadMaterial(
      { ...deps, options: { ...deps.options, chunkBytes: 64 * 1024 } },
      m.id,
    );

    expect(out).toEqual({ status: 'stored', sha256: sha(bytes) });
    expect(lark.calls.map((c) => c.range)).toEqual([
      { start: 0, end: 65535 },
      { start: 0, end: 65535 },
      { start: 1000, end: 65535 },
      { start: 6000, end: 65535 },
      { start: 65536, end: 131071 },
      { start: 131072, end: 196607 },
      { start: 196608, end: 204799 },
    ]);
    expect(readFileSync(store.pathOf((await material(m.id)).storageKey!)).equals(bytes)).toBe(true);
  });

  it('throws on persistent truncation and commits nothing', async () => {
    const m = await newMaterial();
    lark.serve([m.messageId], m.resourceKey, bytesSource(randomBytes(100_000)));
    lark.persistentFault = { kind: 'truncate', after: 4096 };

    await expect(
      downloadMaterial({ ...deps, options: { ...deps.options, chunkBytes: 32 * 1024 } }, m.id),
    ).rejects.toMatchObject({
      code: 'download_truncated',
    });
    expect(lark.calls).toHaveLength(4); // the first try + 3 retries
    expect(blobFiles()).toEqual([]);
    expect(tempFiles()).toEqual([]);
    expect(await material(m.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      sha256: null,
      storageKey: null,
    });

    // The job runner gives up after its last attempt.
    await markDownloadFailed(tdb.db, m.id, new LarkNetworkError('idle timeout'), NOW);
    expect(await material(m.id)).toMatchObject({ status: 'failed', lastError: 'lark_network: idle timeout' });
  });

  it('streams 150 MB in 8 MiB ranges with flat memory', async () => {
    // An MP4 ftyp box first: the sniffed type must come from the bytes (a name alone is not believed).
    const ftyp = Buffer.from('00000018667479706d703432000000006d70343269736f6d', 'hex');
    const block = Buffer.concat([ftyp, randomBytes(1024 * 1024 - ftyp.length)]);
    const times = 150;
    const expected = sha(...Array.from({ length: times }, () => block));
    const m = await newMaterial({ originalName: '村委会换届选举全程录像.mp4', kind: 'video' });
    lark.serve([m.messageId], m.resourceKey, repeatedSource(block, times));

    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const out = await downloadMaterial(deps, m.id).finally(() => clearInterval(sampler));
    peak = Math.max(peak, process.memoryUsage().rss);

    expect(out).toEqual({ status: 'stored', sha256: expected });
    expect(lark.calls).toHaveLength(Math.ceil((times * 1024 * 1024) / (8 * 1024 * 1024)));
    expect(lark.calls[1]!.range).toEqual({ start: 8 * 1024 * 1024, end: 16 * 1024 * 1024 - 1 });
    expect(await material(m.id)).toMatchObject({ sizeBytes: times * 1024 * 1024, sniffedMime: 'video/mp4' });
    // Buffering the file whole would take ≥ 150 MB; streaming stays at a few chunks. The margin
    // absorbs GC timing, which differs between Node lines (Node 24 measured 66 MB here once).
    expect(peak - base).toBeLessThan(100 * 1024 * 1024);
  }, 120_000);

  it('accepts a server that ignores Range (200 with the whole body), even after a cut', async () => {
    const bytes = randomBytes(300_000);
    const m = await newMaterial();
    lark.serve([m.messageId], m.resourceKey, bytesSource(bytes));
    lark.ignoreRange = true;
    lark.faults.push({ kind: 'truncate', after: 100_000 });

    expect(
      await downloadMaterial({ ...deps, options: { ...deps.options, chunkBytes: 64 * 1024 } }, m.id),
    ).toEqual({
      status: 'stored',
      sha256: sha(bytes),
    });
    expect(lark.calls).toHaveLength(2);
  });

  it('234037 → too_large, and a size over the limit is refused after the first range', async () => {
    const a = await newMaterial();
    lark.refuse(a.messageId, 234037);
    expect(await downloadMaterial(deps, a.id)).toEqual({ status: 'too_large' });
    expect(await material(a.id)).toMatchObject({
      status: 'too_large',
      attempts: 1,
      lastError: expect.stringMatching(/^lark_234037/),
    });

    const b = await newMaterial();
    lark.serve([b.messageId], b.resourceKey, repeatedSource(Buffer.alloc(1024), 2048)); // 2 MiB
    expect(
      await downloadMaterial(
        { ...deps, options: { ...deps.options, maxBytes: 1024 * 1024, chunkBytes: 64 * 1024 } },
        b.id,
      ),
    ).toEqual({
      status: 'too_large',
    });
    expect(await material(b.id)).toMatchObject({ status: 'too_large', sizeBytes: 2 * 1024 * 1024 });
    expect(lark.calls.filter((c) => c.messageId === b.messageId)).toHaveLength(1);
    expect(blobFiles()).toEqual([]);
    expect(tempFiles()).toEqual([]);
  });

  it('zero bytes → empty (with or without Range support)', async () => {
    const a = await newMaterial();
    lark.serve([a.messageId], a.resourceKey, bytesSource(Buffer.alloc(0)));
    expect(await downloadMaterial(deps, a.id)).toEqual({ status: 'empty' });
    expect(await material(a.id)).toMatchObject({ status: 'empty', sizeBytes: 0, sha256: null });

    lark.ignoreRange = true;
    const b = await newMaterial();
    lark.serve([b.messageId], b.resourceKey, bytesSource(Buffer.alloc(0)));
    expect(await downloadMaterial(deps, b.id)).toEqual({ status: 'empty' });
    expect(blobFiles()).toEqual([]);
    expect(tempFiles()).toEqual([]);
  });

  it('merged forward: the parent id is refused (234043), the child id works', async () => {
    const bytes = randomBytes(10_000);
    const m = await newMaterial({
      messageId: 'om_child_1',
      downloadMessageId: 'om_forward_root',
      forwardRootId: 'om_forward_root',
      resourceKey: 'file_v3_in_forward',
    });
    lark.refuse('om_forward_root', 234043);
    lark.serve(['om_child_1'], 'file_v3_in_forward', bytesSource(bytes));

    expect(await downloadMaterial(deps, m.id)).toEqual({ status: 'stored', sha256: sha(bytes) });
    expect(lark.calls.map((c) => c.messageId)).toEqual(['om_forward_root', 'om_child_1']);
  });

  it('merged forward: every id refused → needs_reupload', async () => {
    const m = await newMaterial({
      messageId: 'om_child_2',
      downloadMessageId: 'om_forward_2',
      resourceKey: 'file_v3_refused',
    });
    lark.refuse('om_forward_2', 234043);
    // The child id: "File not in message" (234003), as reported in the field.
    expect(await downloadMaterial(deps, m.id)).toEqual({ status: 'needs_reupload' });
    expect(await material(m.id)).toMatchObject({
      status: 'needs_reupload',
      lastError: expect.stringMatching(/^lark_234003/),
    });
  });

  it('retryable problems are thrown for the job runner (429, network, disk full)', async () => {
    const m = await newMaterial();
    lark.serve([m.messageId], m.resourceKey, bytesSource(randomBytes(1000)));
    lark.faults.push({
      kind: 'throw',
      error: new LarkApiError(99991400, 'request trigger frequency limit', 429, 2),
    });
    await expect(downloadMaterial(deps, m.id)).rejects.toMatchObject({
      isRateLimit: true,
      retryAfterSeconds: 2,
    });

    lark.persistentFault = { kind: 'throw', error: new LarkNetworkError('connect ECONNREFUSED') };
    await expect(downloadMaterial(deps, m.id)).rejects.toBeInstanceOf(LarkNetworkError);
    lark.persistentFault = undefined;

    const full = new LocalBlobStore(root, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    // A full disk is waited for, not failed: the attempt is not counted.
    await expect(downloadMaterial({ ...deps, blobs: full }, m.id)).rejects.toBeInstanceOf(DiskFullError);
    expect(await material(m.id)).toMatchObject({ status: 'pending', attempts: 2 });
    expect(tempFiles()).toEqual([]);

    expect(await downloadMaterial(deps, m.id)).toMatchObject({ status: 'stored' });
    expect((await material(m.id)).attempts).toBe(3);
  });

  it('a hostile original name never reaches the filesystem: storage is by hash under the root', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const m = await newMaterial({ originalName: '../../etc/passwd.jpg', kind: 'photo' });
    lark.serve([m.messageId], m.resourceKey, bytesSource(png));

    expect(await downloadMaterial(deps, m.id)).toMatchObject({ status: 'stored' });
    const row = await material(m.id);
    expect(row).toMatchObject({
      originalName: '../../etc/passwd.jpg',
      sniffedMime: 'image/png',
      quality: 'compressed',
    });
    expect(await makeMaterialThumbnail(deps, m.id)).toBe('made');
    for (const key of [row.storageKey!, (await material(m.id)).thumbnailKey!]) {
      expect(resolve(store.pathOf(key)).startsWith(resolve(root) + sep)).toBe(true);
    }
    const everything = readdirSync(root, { recursive: true }).map(String);
    expect(everything.some((p) => p.includes('passwd'))).toBe(false);
    expect(sanitizeFileName(row.originalName!)).toBe('etc_passwd.jpg');
  });
});
