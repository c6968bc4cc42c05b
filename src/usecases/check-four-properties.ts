import type { ArchiveConfig } from '../archive/archive-config.js';
import { CopyPool, type FileCopier } from '../archive/copy-pool.js';
import { silentProgress, type Progress } from '../archive/progress.js';
import { runPool } from '../archive/run-pool.js';
import type { VirusScanner } from '../archive/virus-scan.js';
import type { Db } from '../db/client.js';
import {
  listRecordsPage,
  listScopeClasses,
  type MaterialFacts,
  type RecordFacts,
  type RecordScope,
  type ScopeClass,
} from '../db/repos/archive-catalogue.js';
import { getUnitById } from '../db/repos/units.js';
import { failure, ReportBuilder, type FourPropertiesReport } from '../domain/four-properties.js';
import { DomainError, errorMessage } from '../errors.js';
import { BlobNotFoundError, type BlobStore } from '../ports/blob-store.js';
import { withBlobFile } from './blob-file.js';
import type { Clock } from '../ports/clock.js';
import { checkFile, type FileCheckContext } from './check-four-properties-file.js';
import { checkOrphanFiles } from './check-four-properties-orphans.js';
import {
  checkClassNumbering,
  checkFixedLayout,
  checkRecord,
  type LayoutFile,
} from './check-four-properties-record.js';
import { fileExtensionOf } from '../archive/file-extension.js';
import { materialStatusLabel } from '../domain/material-status.js';

export interface FourPropertiesDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  config: ArchiveConfig;
  timeZone: string;
  virusScan?: VirusScanner;
  progress?: Progress;
  /** Files checked at once (default 8). */
  concurrency?: number;
  /** Threads re-hashing files (default: one per CPU, 2 to 8). */
  copyThreads?: number;
}

export interface FourPropertiesScope {
  unitId?: number;
  year?: number;
}

const PAGE = 200;

/**
 * The DA/T 70 four-properties check over the archive (a unit's subtree and/or a year, or all):
 * every class's numbering, every record's fields and audit trail, every stored file re-hashed and
 * validated; with no scope also every stored file without a row. Reports; never changes anything.
 */
export async function checkFourProperties(
  deps: FourPropertiesDeps,
  scope: FourPropertiesScope = {},
): Promise<FourPropertiesReport> {
  const { db, config } = deps;
  const progress = deps.progress ?? silentProgress;
  const unit = scope.unitId !== undefined ? await getUnitById(db, scope.unitId) : undefined;
  if (scope.unitId !== undefined && !unit) throw new DomainError('unit_not_found', '找不到这个单位');
  const recordScope: RecordScope = { unitPath: unit?.path, year: scope.year };
  const classes = await listScopeClasses(db, recordScope);
  const report = new ReportBuilder();
  const fileCtx: FileCheckContext = {
    allowedFormats: config.allowedFormats,
    timeZone: deps.timeZone,
    virusScan: deps.virusScan,
  };
  progress.start(
    '四性检测',
    classes.reduce((n, c) => n + c.records, 0),
  );
  const copier = new CopyPool(deps.copyThreads);
  try {
    for (const cls of classes)
      await checkClass(deps, recordScope, cls, { copier, report, fileCtx, progress });
  } finally {
    await copier.close();
  }
  if (!unit && scope.year === undefined) await checkOrphanFiles(db, deps.blobs, report);
  progress.done();
  return report.finish(
    deps.clock.now(),
    { unitCode: unit?.code, unitName: unit?.fullName, year: scope.year },
    deps.virusScan ? 'ran' : 'off',
    deps.timeZone,
  );
}

interface ClassRun {
  copier: FileCopier;
  report: ReportBuilder;
  fileCtx: FileCheckContext;
  progress: Progress;
}

async function checkClass(
  deps: FourPropertiesDeps,
  recordScope: RecordScope,
  cls: ScopeClass,
  run: ClassRun,
): Promise<void> {
  const { db } = deps;
  const opts = {
    timeZone: deps.timeZone,
    secrecyDefault: deps.config.secrecyDefault,
    issuers: deps.config.issuers,
  };
  await checkClassNumbering(db, cls, deps.config, run.report);
  for (let after = 0; ;) {
    const page = await listRecordsPage(db, recordScope, cls.classKey, after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]!.pieceNumber;
    for (const r of page) checkRecord(r, opts, run.report);
    const files = page
      .filter((r) => r.status === 'confirmed')
      .flatMap((r) => r.materials.map((m) => ({ r, m })));
    let bytes = 0;
    const layout = new Map<RecordFacts, LayoutFile[]>();
    await runPool(files, deps.concurrency ?? 8, async ({ r, m }) => {
      const checked = await checkStoredFile(deps.blobs, run.copier, r, m, run.fileCtx, run.report);
      bytes += checked.bytes;
      if (!checked.layout) return;
      const list = layout.get(r);
      if (list) list.push(checked.layout);
      else layout.set(r, [checked.layout]);
    });
    // The 版式 row (3-5) as the export reports it: a 文书 whose stored files include no PDF/A or OFD.
    for (const [r, list] of layout) checkFixedLayout(r, list, run.report);
    run.progress.tick(page.length, bytes);
  }
}

/** Re-hashes and validates one stored file of a record; returns the bytes read and, when it was read, its 版式 facts. */
async function checkStoredFile(
  blobs: BlobStore,
  copier: FileCopier,
  r: RecordFacts,
  m: MaterialFacts,
  ctx: FileCheckContext,
  report: ReportBuilder,
): Promise<{ bytes: number; layout?: LayoutFile }> {
  const ref = { itemId: r.itemId, archivalCode: r.archivalCode, materialId: m.id, file: m.storageKey ?? '' };
  report.totals.files++;
  if (m.status !== 'stored' || !m.storageKey) {
    report.checked('authenticity');
    report.add(failure('file_missing', `材料未保存（${materialStatusLabel(m.status)}）`, ref));
    return { bytes: 0 };
  }
  // The bytes are hashed by the copier (verify: false: a damaged file is reported, not thrown).
  let checking = false;
  try {
    return await withBlobFile(
      blobs,
      m.storageKey,
      async (path) => {
        const probe = await copier.copy(path);
        checking = true;
        report.totals.bytes += probe.size;
        const checked = await checkFile(path, probe, m, ref, ctx, report);
        const layout = {
          mime: m.sniffedMime ?? 'application/octet-stream',
          ext: fileExtensionOf(m.sniffedMime, m.originalName),
          fixedLayout: checked.fixedLayout ?? false,
        };
        return { bytes: probe.size, layout };
      },
      { verify: false },
    );
  } catch (err) {
    if (checking) throw err;
    report.checked('authenticity');
    const missing = err instanceof BlobNotFoundError || (err as NodeJS.ErrnoException).code === 'ENOENT';
    report.add(
      missing
        ? failure('file_missing', '存储中找不到该文件', ref)
        : failure('file_unreadable', `文件无法读取：${errorMessage(err)}`, ref),
    );
    return { bytes: 0 };
  }
}
