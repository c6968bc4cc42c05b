import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { validateXML } from 'xmllint-wasm';
import { parseArchiveConfig, type ArchiveConfig } from '../../src/archive/archive-config.js';
import { queryRows, type Db } from '../../src/db/client.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { parseScheduleSettings } from '../../src/scheduler/schedule-settings.js';
import type { FeatureModule } from '../../src/features.js';
import { archiveFeature } from '../../src/wiring/archive.js';
import { correctionsFeature } from '../../src/wiring/filing.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** A tiny but well-formed PDF with `pages` pages and `filler` bytes in a content stream. */
export function minimalPdf(pages = 1, filler: Buffer = Buffer.from('BT /F1 12 Tf (hello) Tj ET')): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let size = 0;
  const push = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    parts.push(buf);
    size += buf.length;
  };
  const obj = (n: number, body: string | Buffer[]) => {
    offsets[n] = size;
    push(`${n} 0 obj\n`);
    if (typeof body === 'string') push(body);
    else body.forEach(push);
    push('\nendobj\n');
  };
  push('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  const kids = Array.from({ length: pages }, (_, i) => `${3 + i * 2} 0 R`).join(' ');
  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  obj(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  for (let i = 0; i < pages; i++) {
    obj(3 + i * 2, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ${4 + i * 2} 0 R >>`);
    obj(4 + i * 2, [
      Buffer.from(`<< /Length ${filler.length} >>\nstream\n`, 'latin1'),
      filler,
      Buffer.from('\nendstream'),
    ]);
  }
  const count = 3 + pages * 2;
  const xref = size;
  push(`xref\n0 ${count}\n0000000000 65535 f \n`);
  for (let n = 1; n < count; n++) push(`${String(offsets[n]).padStart(10, '0')} 00000 n \n`);
  push(`trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}

/** XML files validated (libxml2) against an XSD the package at `root` ships in 其他/XML模式/. */
export function validateAgainstPackageSchema(root: string, xsd: string, files: readonly string[]) {
  return validateXML({
    xml: files.map((p, i) => ({ fileName: `f${i}.xml`, contents: readFileSync(p, 'utf8') })),
    schema: { fileName: xsd, contents: readFileSync(join(root, '其他', 'XML模式', xsd), 'utf8') },
  });
}

/**
 * `blobs` as an object store would serve it (no local path: every file streams through `openRead`), an
 * export's first read held until `change` has run: the export has read its counts and first pages by
 * then, the later ones not yet. `done()`: the change's promise, once started.
 */
export function changingAtFirstRead(blobs: BlobStore, change: () => Promise<unknown>) {
  let running: Promise<unknown> | undefined;
  const wrapped: BlobStore = Object.assign(Object.create(blobs) as BlobStore, {
    localPath: () => undefined,
    openRead: (key: string, options?: { verify?: boolean }) =>
      Readable.from(
        (async function* () {
          await (running ??= change());
          yield* blobs.openRead(key, options);
        })(),
      ),
  });
  return { blobs: wrapped, done: () => running };
}

export const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '25/1 7/1 3000/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '99/1 10/1 1200/100',
};

/** A JPEG, optionally with EXIF capture time (local wall-clock) and GPS. */
export async function photoJpeg(
  opts: { taken?: string; gps?: boolean; color?: string } = {},
): Promise<Buffer> {
  const img = sharp({
    create: { width: 64, height: 48, channels: 3, background: opts.color ?? '#6a8' },
  }).jpeg();
  if (!opts.taken && !opts.gps) return img.toBuffer();
  return img
    .withExif({
      IFD0: { Make: 'HUAWEI', Model: 'ELS-AN00' },
      ...(opts.taken ? { IFD2: { DateTimeOriginal: opts.taken } } : {}),
      ...(opts.gps ? { IFD3: GPS } : {}),
    })
    .toBuffer();
}

export const TEST_ARCHIVE_CONFIG: ArchiveConfig = parseArchiveConfig({
  fonds: { code: 'A182', name: '测试县人民政府' },
  orgCode: { byClass: { 综合类: 'ZH', 精准识别类: 'SB' }, default: 'QT' },
  package: { transferringUnit: '测试县人民政府', receivingUnit: '测试县档案馆' },
});

export interface FixtureFile {
  bytes: Buffer;
  kind: 'photo' | 'document' | 'audio' | 'video';
  mime: string;
  name?: string;
  takenAt?: Date;
  gps?: { lat: number; lng: number };
  sentAt?: Date;
}

export interface ArchiveFixture<B extends BlobStore = LocalBlobStore> {
  tdb: TestDb;
  db: Db;
  blobs: B;
  dataDir: string;
  clock: ManualClock;
  config: ArchiveConfig;
  unit: Record<'X' | 'T1' | 'V1' | 'V2', { id: number; path: string }>;
  task: Record<'doc' | 'photo' | 'v2doc', number>;
  fileItem(
    taskId: number,
    files: FixtureFile[],
    opts?: { title?: string; sender?: string; kind?: 'audio' | 'video' },
  ): Promise<number>;
  close(): Promise<void>;
}

let seq = 0;

/**
/**
 * 县 X → 镇 T1 → 村 V1, V2; a 2025 campaign with a document task and a photo task in V1. Files go
 * to DATA_DIR/files, or to the store `openStore(dataDir)` makes (an S3 store on s3rver). By default
 * on this file's test database and a new data folder; `on` puts it into a given (migrated) database
 * and data folder instead (a process under test then opens them).
 */
export async function createArchiveFixture(options?: {
  on?: { database: TestDb; dataDir: string };
}): Promise<ArchiveFixture>;
export async function createArchiveFixture<B extends BlobStore>(options: {
  openStore: (dataDir: string) => B | Promise<B>;
}): Promise<ArchiveFixture<B>>;
export async function createArchiveFixture(
  options: {
    openStore?: (dataDir: string) => BlobStore | Promise<BlobStore>;
    on?: { database: TestDb; dataDir: string };
  } = {},
): Promise<ArchiveFixture<BlobStore>> {
  const tdb = options.on?.database ?? (await createTestDb());
  const db = tdb.db;
  const dataDir = options.on?.dataDir ?? mkdtempSync(join(tmpdir(), 'archive-test-'));
  const blobs =
    (await options.openStore?.(dataDir)) ?? new LocalBlobStore(join(dataDir, 'files'), { minFreeBytes: 0 });
  const clock = new ManualClock('2026-01-10T09:00:00+08:00');
  const now = clock.now();
  const unit: ArchiveFixture<BlobStore>['unit'] = {} as never;
  for (const [code, name, kind, parent] of [
    ['X', '测试县', 'county', null],
    ['T1', '甲镇', 'township', 'X'],
    ['V1', '东村', 'village', 'T1'],
    ['V2', '西村', 'village', 'T1'],
  ] as const) {
    const p = parent ? unit[parent] : undefined;
    const [row] = await queryRows<{ id: number }>(
      db,
      sql`insert into units (code, name, kind, parent_id, path, full_name, created_at, updated_at)
          values (${code}, ${name}, ${kind}, ${p?.id ?? null}, '', ${name}, ${now}, ${now}) returning id::int as id`,
    );
    const id = Number(row!.id);
    const path = `${p?.path ?? '/'}${id}/`;
    await db.execute(sql`update units set path = ${path} where id = ${id}`);
    unit[code] = { id, path };
  }
  await db.execute(sql`insert into people (open_id, name, updated_at) values
    ('ou_officer', '王村干', ${now}), ('ou_archivist', '钱档案', ${now})`);
  await db.execute(sql`insert into unit_roles (unit_id, open_id, role, created_at) values
    (${unit.V1.id}, 'ou_officer', 'officer', ${now}), (${unit.T1.id}, 'ou_archivist', 'archivist', ${now})`);
  const [camp] = await queryRows<{ id: number }>(
    db,
    sql`insert into campaigns (code, title, checklist_code, checklist_version, year, deadline, created_at, created_by)
        values ('JZFP2025', '2025年度', 'small', 1, 2025, ${now}, ${now}, 'cli') returning id::int as id`,
  );
  const task = {} as ArchiveFixture<BlobStore>['task'];
  for (const [key, unitKey, code, title, cls, retention, kinds, pos] of [
    ['doc', 'V1', 'C01', '村两委会议记录', '综合类', 'D30', '{document}', 1],
    ['photo', 'V1', 'C02', '识别公示照片', '精准识别类', 'Y', '{photo}', 2],
    ['v2doc', 'V2', 'C01', '村两委会议记录', '综合类', 'D30', '{document}', 1],
  ] as const) {
    const [t] = await queryRows<{ id: number }>(
      db,
      sql`insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds,
            min_count, keywords, due_at, responsible, created_at)
          values (${Number(camp!.id)}, ${unit[unitKey].id}, ${code}, ${code}, ${pos}, ${title}, ${cls}, ${retention},
            ${kinds}::text[], 1, '{}'::text[], ${now}, '{}'::text[], ${now}) returning id::int as id`,
    );
    task[key] = Number(t!.id);
  }

  const fileItem: ArchiveFixture<BlobStore>['fileItem'] = async (taskId, files, opts = {}) => {
    const sender = opts.sender ?? 'ou_officer';
    const materialIds: number[] = [];
    for (const f of files) {
      const w = blobs.beginWrite();
      await w.write(f.bytes);
      const blob = await w.commit();
      await db.execute(sql`insert into blobs (sha256, size_bytes, sniffed_mime, storage_key, stored_at)
        values (${blob.sha256}, ${blob.sizeBytes}, ${f.mime}, ${blob.storageKey}, ${now}) on conflict do nothing`);
      const tag = `om_${++seq}_${Math.random().toString(36).slice(2, 8)}`;
      const sentAt = f.sentAt ?? new Date('2025-06-01T02:00:00Z');
      const [m] = await queryRows<{ id: number }>(
        db,
        sql`insert into materials (message_id, resource_key, resource_type, chat_id, sender_open_id, sent_at, kind,
              original_name, sniffed_mime, size_bytes, sha256, storage_key, status, taken_at, gps_lat, gps_lng,
              created_at, stored_at)
            values (${tag}, ${`${tag}_k`}, 'file', 'oc_v1', ${sender}, ${sentAt}, ${f.kind}, ${f.name ?? null},
              ${f.mime}, ${blob.sizeBytes}, ${blob.sha256}, ${blob.storageKey}, 'stored', ${f.takenAt ?? null},
              ${f.gps?.lat ?? null}, ${f.gps?.lng ?? null}, ${now}, ${now})
            returning id::int as id`,
      );
      materialIds.push(Number(m!.id));
    }
    const kinds = files.map((f) => f.kind);
    const kind = opts.kind ?? (kinds.every((k) => k === 'photo') ? 'photo_group' : 'document');
    const [t] = await queryRows<{ unitId: number; title: string }>(
      db,
      sql`select unit_id::int as "unitId", title from tasks where id = ${taskId}`,
    );
    const [item] = await queryRows<{ id: number }>(
      db,
      sql`insert into filing_items (task_id, unit_id, kind, title, n_photo, n_document, filed_by, filed_at, via)
          values (${taskId}, ${t!.unitId}, ${kind}, ${opts.title ?? t!.title},
            ${kinds.filter((k) => k === 'photo').length}, ${kinds.filter((k) => k !== 'photo').length},
            ${sender}, ${now}, 'cli') returning id::int as id`,
    );
    const itemId = Number(item!.id);
    for (const [i, id] of materialIds.entries())
      await db.execute(
        sql`insert into filing_item_materials (item_id, material_id, position) values (${itemId}, ${id}, ${i})`,
      );
    await db.execute(sql`insert into audit_log (at, actor, action, source, unit_id, task_id, item_id, details)
      values (${now}, ${sender}, 'file', 'cli', ${t!.unitId}, ${taskId}, ${itemId}, '{}'::jsonb)`);
    return itemId;
  };

  return {
    tdb,
    db,
    blobs,
    dataDir,
    clock,
    config: TEST_ARCHIVE_CONFIG,
    unit,
    task,
    fileItem,
    close: async () => {
      await tdb.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The bot over an archive fixture's database, clock and data folder, with the archive's features and
 * (unless `features` says otherwise) the corrections feature (its notify job carries the archivists'
 * messages); default schedules; `env` on top (e.g. PUBLIC_URL).
 */
export function startArchiveHarness(
  f: ArchiveFixture,
  env: Record<string, string> = {},
  features: readonly FeatureModule[] = [archiveFeature, correctionsFeature],
): Promise<Harness> {
  return startHarness({
    db: f.tdb,
    clock: f.clock,
    env: { DATA_DIR: f.dataDir, ...env },
    settings: {
      schedules: parseScheduleSettings({}, 'Asia/Shanghai'),
      schedulesDefaulted: true,
      archive: f.config,
      warnings: [],
    },
    features,
  });
}

/**
 * The 确认归档 job a tap on the preview card `messageId` queued (its payload), and the card as last
 * patched there (JSON text): what a test of the confirmation's outcome, or of its failure, reads.
 */
export async function confirmJobOfCard(db: Db, h: Harness, messageId: string) {
  const [job] = await queryRows<{ payload: any }>(
    db,
    // The latest: a card drawn again (its set changed) queues a job per tap.
    sql`select payload from jobs where kind = 'archive-confirm' and payload->>'messageId' = ${messageId}
        order by id desc limit 1`,
  );
  const card = () =>
    JSON.stringify(
      h.fake
        .patches()
        .filter((p) => p.messageId === messageId)
        .at(-1)!.content,
    );
  return { payload: job!.payload, card };
}
