import type { ArchiveConfig } from '../archive/archive-config.js';
import type { PackageWriter } from '../archive/package-writer.js';
import { catalogueEntryOf } from '../archive/catalogue-entry.js';
import type { CatalogueEntry } from '../domain/catalogue.js';
import type { CatalogueXmlWriter } from '../archive/catalogue-xml.js';
import type { CatalogueXlsxWriter } from '../archive/catalogue-xlsx.js';
import type { FileCopier } from '../archive/copy-pool.js';
import { copyStreamAndHash } from '../archive/copy-and-hash.js';
import { fileExtensionOf } from '../archive/file-extension.js';
import { itemMetadataXml, type PackagedFile } from '../archive/item-metadata-xml.js';
import type { Progress } from '../archive/progress.js';
import type { SchemaValidator } from '../archive/package-schema-check.js';
import { runOrdered } from '../archive/run-pool.js';
import { PACKAGE_PATHS } from '../archive/transfer-package.js';
import type { Db } from '../db/client.js';
import {
  listRecordsPage,
  liveRecordsOfTasks,
  type ClassOutside,
  type RecordFacts,
  type RecordScope,
} from '../db/repos/archive-catalogue.js';
import type { CatalogueClass } from '../domain/catalogue-class.js';
import type { VolumeRecord } from '../domain/household-volume.js';
import { classCodeText } from '../domain/archival-code.js';
import { failure, type ReportBuilder } from '../domain/four-properties.js';
import { photoEntriesOf, photoNumber, recalledPhotoNote, type PhotoEntry } from '../domain/photo-entries.js';
import { seeAlsoOf } from '../domain/see-also.js';
import { yyyymmdd } from '../domain/catalogue-date.js';
import { errorMessage, resourceProblem } from '../errors.js';
import { BlobNotFoundError, type BlobStore } from '../ports/blob-store.js';
import { checkFile, type FileCheckContext, type FileRef } from './check-four-properties-file.js';
import { opusToWav } from '../archive/opus-to-wav.js';
import { rm } from 'node:fs/promises';
import type { DocxToPdf } from '../archive/docx-to-pdf.js';
import {
  addPackagedPayload,
  DOCX_MIME,
  writeDocxPdf,
  writePhotoPagesPdf,
  type ConversionCosts,
} from './export-layout-copies.js';
import { checkClassNumbering, checkFixedLayout, checkRecord } from './check-four-properties-record.js';
import { materialStatusLabel } from '../domain/material-status.js';

export interface RecordsExportContext {
  db: Db;
  blobs: BlobStore;
  config: ArchiveConfig;
  timeZone: string;
  bag: PackageWriter;
  xml: CatalogueXmlWriter;
  /** 顺序号 of 文件目录.XML so far: one sequence over the carrier. */
  carrierSeq: number;
  xlsx: CatalogueXlsxWriter;
  report: ReportBuilder;
  fileCtx: FileCheckContext;
  progress: Progress;
  concurrency: number;
  /** Records read from the database at a time. */
  pageSize: number;
  /** Copies + hashes files (worker threads) and writes the per-item metadata. */
  copier: FileCopier;
  /** Package paths written under 电子档案/ (for the files-vs-rows check). */
  written: Set<string>;
  /** When the export runs (业务行为 of a format conversion). */
  startedAt: Date;
  formats: Map<string, number>;
  /** Live records of households, gathered for the 一户一卷 卷内目录 written after the classes. */
  volumes: VolumeRecord[];
  /** Validates each item's metadata XML against its XSD as it is written (on its own thread). */
  schemas: SchemaValidator;
  /** DOCX_TO_PDF_COMMAND, when configured. */
  docxToPdf?: DocxToPdf;
  /** Conversions (版式 copies, WAV) one at a time. */
  oneAtATime: <T>(fn: () => Promise<T>) => Promise<T>;
  costs: ConversionCosts;
  /** Hashes the package carries more than once (sameFilesInScope), with the 档号 holding each. */
  sameFiles: Map<string, string[]>;
  /** For those hashes, the package path of each copy as written. */
  samePaths: Map<string, string[]>;
  /** archive_records ids of the live 档号 written to the carrier (the package's record of what it holds). */
  carried: number[];
}

/** One record of a class, numbered and described, ready to be copied into the package. */
interface RecordJob {
  r: RecordFacts;
  entry: CatalogueEntry;
  seeAlso: string[];
  photos: (PhotoEntry | undefined)[];
  /** 序号 in the class's catalogue. */
  seq: number;
  /** 顺序号 on the carrier (0: a retired number, not on the carrier). */
  carrierSeq: number;
}

/**
 * Streams one class into the package, 件号 by 件号: each file copied from the blob store while
 * hashed (the manifest gets the hash of the bytes actually written; a mismatch with the recorded
 * hash is a failure in the report, never a silent fix), checked and named by 档号, then the item's
 * metadata XML; several records at once, across page boundaries (the next page is read and described
 * while this one copies, so the copy threads never run dry at the end of a page). The class has its own
 * catalogue (an Excel sheet and a <目录> in the XML) whose rows follow in 件号 order, 序号 from 1: each
 * record's rows are written once it and every record before it are in the package.
 */
export async function exportClass(
  ctx: RecordsExportContext,
  scope: RecordScope,
  cls: CatalogueClass,
  /** Set when units outside the package hold numbers of this class too. */
  outside?: ClassOutside,
): Promise<void> {
  if (!outside) await checkClassNumbering(ctx.db, cls, ctx.config, ctx.report);
  else
    // Its 件号 continue in other units' packages: gaps here are expected, so say so instead of
    // checking continuity (the four-properties check of the whole archive covers the class).
    ctx.report.add(
      failure(
        'partial_class',
        `${classCodeText(cls, ctx.config)} 的件号与${outside.units}共用，本包 ${cls.records} 个件号，` +
          `其余 ${outside.records} 个在其他单位的移交包中；本包不检查该类件号连续性`,
        { severity: 'warning' },
      ),
    );
  ctx.xlsx.beginClass(cls);
  const rows = { all: 0, withdrawn: 0 };
  await runOrdered(
    recordJobs(ctx, scope, cls),
    { concurrency: ctx.concurrency, window: Math.max(ctx.pageSize, 4 * ctx.concurrency) },
    (job) => packageRecord(ctx, cls, job),
    async (job, packaged) => {
      await catalogueRecord(ctx, cls, job, packaged);
      rows.all++;
      if (job.r.status === 'withdrawn') rows.withdrawn++;
    },
  );
  // The covers, 备考表, 说明文件 and 登记表 state the counts read when the export began: a number
  // withdrawn or restored since would make them disagree with the rows written.
  ctx.report.checked('integrity');
  if (rows.all !== cls.records || rows.withdrawn !== cls.withdrawn)
    ctx.report.add(
      failure(
        'count_mismatch',
        `${classCodeText(cls, ctx.config)} 的目录写入 ${rows.all} 条（停用 ${rows.withdrawn}），` +
          `封面与备考表为 ${cls.records} 条（停用 ${cls.withdrawn}）：导出期间档号有变动，请重新导出`,
      ),
    );
}

/**
 * The class's records in 件号 order, page by page, each numbered (序号, 顺序号), described and
 * checked in that order. The next page is read and described while the records of this one are taken.
 */
async function* recordJobs(
  ctx: RecordsExportContext,
  scope: RecordScope,
  cls: CatalogueClass,
): AsyncGenerator<RecordJob> {
  const opts = {
    timeZone: ctx.timeZone,
    secrecyDefault: ctx.config.secrecyDefault,
    issuers: ctx.config.issuers,
  };
  // Every 档号 of the class in the package is a row (withdrawn ones noted), so 序号 follows the page.
  let seq = 0;
  const describe = async (page: RecordFacts[]): Promise<RecordJob[]> => {
    const entries = page.map((r) => catalogueEntryOf(r, opts));
    // 参见号 name records of other kinds only: a page of one kind (the usual case, a class being one
    // 门类) reads none of its own kind (the records of its tasks were read again for every page).
    const kinds = new Set(page.map((r) => r.kind));
    const related = await liveRecordsOfTasks(
      ctx.db,
      page.map((r) => r.taskId),
      ctx.timeZone,
      kinds.size === 1 ? page[0]!.kind : undefined,
    );
    return page.map((r, k) => {
      const entry = entries[k]!;
      const seeAlso = seeAlsoOf({ ...r, day: recordDay(r, ctx.timeZone) }, related);
      const photos = entry.photo
        ? photoEntriesOf(r.archivalCode, entry.photo, r.materials, {
            groupCaption: r.itemTitle,
            seeAlso,
            timeZone: ctx.timeZone,
            recalled: r.recalledPhotos.map((p) => p.number),
          })
        : r.materials.map(() => undefined);
      checkRecord(r, opts, ctx.report, entry);
      return {
        r,
        entry,
        seeAlso,
        photos,
        seq: ++seq,
        carrierSeq: r.status === 'confirmed' ? ++ctx.carrierSeq : 0,
      };
    });
  };
  const pageAfter = (pieceNumber: number) =>
    listRecordsPage(ctx.db, scope, cls.classKey, pieceNumber, ctx.pageSize);
  // Only the numbers the class held when the export began (the covers count those): one confirmed
  // meanwhile waits for the next export.
  const held = async (after: number) => {
    const page = after >= cls.lastPiece ? [] : await pageAfter(after);
    return page.filter((r) => r.pieceNumber <= cls.lastPiece);
  };
  let jobs = await describe(await held(0));
  while (jobs.length > 0) {
    const last = jobs[jobs.length - 1]!.r.pieceNumber;
    // Numbered only after this page was (described in order); its failure surfaces when awaited.
    const upcoming = held(last).then((page) => (page.length > 0 ? describe(page) : []));
    upcoming.catch(() => undefined);
    for (const job of jobs) yield job;
    jobs = await upcoming;
  }
}

/** Copies a record's files into the package, with its 版式 copy and metadata XML. */
async function packageRecord(
  ctx: RecordsExportContext,
  cls: CatalogueClass,
  { r, entry, seeAlso, photos, seq, carrierSeq }: RecordJob,
): Promise<PackagedFile[]> {
  const packaged: PackagedFile[] = [];
  if (r.status !== 'confirmed') return packaged;
  for (const [i, m] of r.materials.entries())
    for (const file of await exportFile(ctx, r, m, i, photos[i])) packaged.push(file);
  // Photographed pages of a 文书 without a 版式 file: a PDF/A-2b of them beside the originals.
  const pages = packaged.filter((f) => f.mime.startsWith('image/') && !f.conversion);
  if (r.kind === 'document' && pages.length > 0 && !packaged.some((f) => f.fixedLayout)) {
    const pdf = await writePhotoPagesPdf(ctx, r, recordDir(r), pages);
    if (pdf) packaged.push(pdf);
  }
  markSameFiles(ctx, r, packaged);
  checkFixedLayout(
    r,
    packaged.map((f) => ({
      mime: f.mime,
      ext: f.name.split('.').pop()!,
      fixedLayout: f.fixedLayout ?? false,
    })),
    ctx.report,
  );
  const metaRel = `${recordDir(r)}/${r.archivalCode}.xml`;
  const metaXml = Buffer.from(
    itemMetadataXml(r, entry, packaged, {
      code: cls.code,
      seq,
      carrierSeq,
      fondsName: cls.fondsName || r.unitFullName,
      archiveName: ctx.config.package.receivingUnit,
      carrierNumber: ctx.config.package.carrier.number,
      folder: recordDir(r),
      seeAlso,
    }),
    'utf8',
  );
  const meta = await ctx.copier.write(await ctx.bag.payloadPath(metaRel), metaXml);
  await ctx.bag.addPayload(metaRel, meta.sha256, meta.size);
  ctx.written.add(metaRel);
  // The bytes just written and hashed: the fixity list vouches that the file holds exactly these.
  await ctx.schemas.add(metaRel, metaXml);
  return packaged;
}

/**
 * Each original whose bytes the package carries elsewhere too says where (in the item's metadata): the
 * other 件 by 档号, this 件's other copies by name. Both copies stay: each 件 is whole on its own (its
 * files named by its 档号, kept as long as its own 保管期限), so none points into another.
 */
function markSameFiles(ctx: RecordsExportContext, r: RecordFacts, packaged: PackagedFile[]): void {
  for (const f of packaged) {
    const sha = f.material.sha256;
    if (f.conversion || !sha || !ctx.sameFiles.has(sha)) continue;
    const codes = ctx.sameFiles.get(sha)!.filter((c) => c !== r.archivalCode);
    const names = packaged
      .filter((o) => o !== f && !o.conversion && o.material.sha256 === sha)
      .map((o) => o.name);
    if (codes.length > 0 || names.length > 0) f.same = { codes, names };
  }
}

/** A record's rows in the catalogues (Excel, 文件目录.XML) and the household volumes, in 件号 order. */
async function catalogueRecord(
  ctx: RecordsExportContext,
  cls: CatalogueClass,
  { r, entry, photos, seq, carrierSeq }: RecordJob,
  packaged: PackagedFile[],
): Promise<void> {
  const { photo: _photo, ...fields } = entry;
  const row = { seq, archivalCode: r.archivalCode, ...fields };
  ctx.xlsx.addRow(row);
  if (r.status === 'confirmed' && entry.photo) catalogPhotos(ctx, r, photos);
  if (r.status === 'confirmed' && r.householdId !== null)
    ctx.volumes.push({
      householdId: r.householdId,
      householdCode: r.householdCode ?? String(r.householdId),
      headName: r.householdName ?? '',
      groupName: r.householdGroup,
      unitName: r.unitName,
      taskPosition: r.taskPosition,
      archivalCode: r.archivalCode,
      category: cls.categoryName,
      retention: r.retention,
      responsible: row.responsible,
      title: row.title,
      date: row.date,
      pages: row.pages,
      remarks: row.remarks,
    });
  // 文件目录.XML lists the records on the carrier; retired numbers stay in the 归档文件目录 only.
  if (r.status === 'confirmed') ctx.carried.push(r.id);
  if (r.status === 'confirmed')
    await ctx.xml.add({
      seq: carrierSeq,
      archivalCode: r.archivalCode,
      responsible: row.responsible,
      title: row.title,
      date: row.date,
      secrecy: row.secrecy,
      files: packaged.map((f) => `${recordDir(r)}/${f.name}`),
      remarks: row.remarks,
    });
  ctx.progress.tick(
    1,
    packaged.reduce((n, f) => n + f.size, 0),
  );
}

/**
 * The group's rows in the 照片目录, in 张号 order: its photos (only a live 档号's: a retired number's
 * photos are not on the carrier), and a row for each 张号 a recall left unused, so the 照片号 read on
 * without a silent gap.
 */
function catalogPhotos(ctx: RecordsExportContext, r: RecordFacts, photos: (PhotoEntry | undefined)[]) {
  const present = photos.filter((p): p is PhotoEntry => p !== undefined);
  const gaps: PhotoEntry[] = r.recalledPhotos.map((g) => ({
    number: g.number,
    photoNumber: photoNumber(r.archivalCode, g.number),
    note: recalledPhotoNote(g.at, ctx.timeZone),
    noteSource: 'group',
    timeText: '',
    date: '',
    photographer: '',
    background: '',
    seeAlso: [],
  }));
  for (const p of [...present, ...gaps].sort((a, b) => a.number - b.number)) ctx.xlsx.addPhotoRow(p);
}

/** Local day of a record's earliest capture (as liveRecordsOfTasks computes it for the others). */
function recordDay(r: RecordFacts, timeZone: string): string {
  const times = r.materials.map((m) => (m.takenAt ?? m.sentAt).getTime());
  return times.length ? yyyymmdd(new Date(Math.min(...times)), timeZone) : '';
}

const recordDir = (r: RecordFacts) => `${PACKAGE_PATHS.records}/${r.year}/${r.categoryCode}`;

async function exportFile(
  ctx: RecordsExportContext,
  r: RecordFacts,
  m: RecordFacts['materials'][number],
  index: number,
  photo: PhotoEntry | undefined,
): Promise<PackagedFile[]> {
  const ref = { itemId: r.itemId, archivalCode: r.archivalCode, materialId: m.id, file: m.storageKey ?? '' };
  ctx.report.totals.files++;
  if (m.status !== 'stored' || !m.storageKey) {
    ctx.report.checked('authenticity');
    ctx.report.add(
      failure('file_missing', `材料未保存（${materialStatusLabel(m.status)}），未放入移交包`, ref),
    );
    return [];
  }
  const ext = fileExtensionOf(m.sniffedMime, m.originalName);
  const single = r.materials.length === 1 && ext !== 'xml';
  const digits = r.materials.length > 99 ? 3 : 2;
  // A photo of a group is named by its 照片号 (组号-张号, DA/T 50); other files by 档号 (-01… when several).
  const base = photo
    ? photo.photoNumber
    : `${r.archivalCode}${single ? '' : `-${String(index + 1).padStart(digits, '0')}`}`;
  const name = `${base}.${ext}`;
  const rel = `${recordDir(r)}/${name}`;
  const dest = await ctx.bag.payloadPath(rel);
  let probe;
  try {
    probe = await copyStored(ctx, m.storageKey, dest);
  } catch (err) {
    // A store that is down is not a fact about the file: the export fails whole (and is retried).
    if (resourceProblem(err)) throw err;
    ctx.report.checked('authenticity');
    const missing =
      err instanceof BlobNotFoundError ||
      ((err as NodeJS.ErrnoException).code === 'ENOENT' && (err as NodeJS.ErrnoException).path !== dest);
    ctx.report.add(
      missing
        ? failure('file_missing', '存储中找不到该文件，未放入移交包', ref)
        : failure('file_unreadable', `文件无法复制：${errorMessage(err)}`, ref),
    );
    return [];
  }
  const mime = m.sniffedMime ?? 'application/octet-stream';
  await addPackagedPayload(ctx, rel, probe, mime);
  if (m.sha256 && ctx.sameFiles.has(m.sha256)) {
    const paths = ctx.samePaths.get(m.sha256) ?? [];
    paths.push(rel);
    ctx.samePaths.set(m.sha256, paths);
  }
  const checked = await checkFile(dest, probe, m, { ...ref, file: rel }, ctx.fileCtx, ctx.report);
  const original: PackagedFile = {
    ...(checked.pdfa ? { pdfa: checked.pdfa, pdfaChecked: checked.pdfaChecked ?? false } : {}),
    fixedLayout: checked.fixedLayout ?? false,
    name,
    material: m,
    sha256: probe.sha256,
    size: probe.size,
    mime,
    head: probe.head,
    photo,
  };
  let copy: PackagedFile | undefined;
  if (checked.archivalCopy === 'wav')
    copy = await writeWavCopy(ctx, r, { ...ref, file: rel }, original, dest, base);
  else if (r.kind === 'document' && mime === DOCX_MIME && !original.fixedLayout)
    copy = await writeDocxPdf(ctx, { ...ref, file: rel }, original, recordDir(r), base);
  return copy ? [{ ...original, archivalCopy: copy.name }, copy] : [original];
}

/**
 * The archival copy of an off-list voice note: a WAV beside the original (which stays, as 原件),
 * named like it. A file the decoder cannot read is a 四性 failure naming the item, never a crash.
 */
async function writeWavCopy(
  ctx: RecordsExportContext,
  r: RecordFacts,
  ref: FileRef,
  original: PackagedFile,
  src: string,
  base: string,
): Promise<PackagedFile | undefined> {
  const name = `${base}.wav`;
  const rel = `${recordDir(r)}/${name}`;
  const dest = await ctx.bag.payloadPath(rel);
  let wav;
  const t0 = process.hrtime.bigint();
  try {
    wav = await ctx.oneAtATime(() => opusToWav(src, dest));
    ctx.costs.wav.items++;
    ctx.costs.wav.ms += Number(process.hrtime.bigint() - t0) / 1e6;
  } catch (err) {
    await rm(dest, { force: true });
    ctx.report.add(failure('conversion_failed', `录音无法转为 WAV 归档副本：${errorMessage(err)}`, ref));
    return undefined;
  }
  await addPackagedPayload(ctx, rel, wav, 'audio/wav');
  return {
    name,
    material: original.material,
    sha256: wav.sha256,
    size: wav.size,
    mime: 'audio/wav',
    conversion: {
      from: [original.name],
      tool: wav.tool,
      at: ctx.startedAt,
      detail: `${original.mime} → audio/wav（PCM 16 位，${wav.sampleRate} Hz，${wav.channels === 1 ? '单声道' : `${wav.channels} 声道`}）`,
      durationMs: wav.durationMs,
    },
  };
}

/**
 * Copies a stored file into the package, hashing the bytes written: a file the store keeps on this
 * machine goes through the copier's threads; any other (an object store) streams through the port.
 * The read is not verified on the way (`verify: false`): the hash of what was written is compared
 * with the one recorded at capture by checkFile, so a damaged file is named in the report (and
 * makes the package a 预检包) exactly as on the local disk, instead of breaking off the copy.
 */
function copyStored(ctx: RecordsExportContext, storageKey: string, dest: string) {
  const local = ctx.blobs.localPath(storageKey);
  if (local !== undefined) return ctx.copier.copy(local, dest);
  return copyStreamAndHash(ctx.blobs.openRead(storageKey, { verify: false }), dest);
}
