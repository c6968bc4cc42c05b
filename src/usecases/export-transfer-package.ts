import { join } from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import { BagWriter } from '../archive/bagit.js';
import { CatalogueXlsxWriter } from '../archive/catalogue-xlsx.js';
import { CatalogueXmlWriter } from '../archive/catalogue-xml.js';
import { writeHouseholdVolumesXlsx } from '../archive/household-volumes-xlsx.js';
import { copyAndHash } from '../archive/copy-and-hash.js';
import { CopyPool } from '../archive/copy-pool.js';
import { flushToDisk } from '../archive/flush-to-disk.js';
import { packageSize, type PackageSize } from '../archive/package-size.js';
import { abandonInPlace, releaseInPlace } from '../archive/in-place-claim.js';
import {
  claimWorkDir,
  ensureFreeDir,
  publishPackage,
  releaseClaim,
  type OwnerNotKept,
} from '../archive/package-folder.js';
import { SchemaValidator } from '../archive/package-schema-check.js';
import { ITEM_METADATA_XSD } from '../archive/package-schemas.js';
import { silentProgress, type Progress } from '../archive/progress.js';
import { CarrierFolderWriter, FixityListWriter } from '../archive/package-writer.js';
import {
  PACKAGE_PATHS,
  readmeText,
  type PackageLayout,
  type PackageSummary,
} from '../archive/transfer-package.js';
import type { VirusScanner } from '../archive/virus-scan.js';
import type { DocxToPdf } from '../archive/docx-to-pdf.js';
import { oneAtATime } from '../archive/run-pool.js';
import { noConversionCosts, type ConversionCosts } from './export-layout-copies.js';
import type { Db } from '../db/client.js';
import {
  classesOutsideScope,
  countConfirmedBeyond,
  listScopeClasses,
  type ScopeClass,
} from '../db/repos/archive-catalogue.js';
import { countUnconfirmed } from '../db/repos/archive-checks.js';
import { sameFilesInScope } from '../db/repos/package-same-files.js';
import { changesAfterTransfer, insertTransferPackage } from '../db/repos/transfer-packages.js';
import { recordEditsAfterTransfer } from '../db/repos/transfer-record-edits.js';
import { recordEditText } from '../domain/record-edit.js';
import { getUnitById, type UnitRow } from '../db/repos/units.js';
import { classCodeText } from '../domain/archival-code.js';
import { catalogueClassesOf } from '../domain/catalogue-class.js';
import { householdVolumes } from '../domain/household-volume.js';
import { ReportBuilder, type FourPropertiesReport } from '../domain/four-properties.js';
import { RETENTION_ORDER } from '../domain/retention.js';
import { isoDate, localDateTime } from '../domain/catalogue-date.js';
import { DomainError } from '../errors.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import { packageFondsOf } from './package-fonds.js';
import { exportClass, type RecordsExportContext } from './export-records.js';
import {
  checkPackageFiles,
  checkPackageSchemas,
  checkReadme,
  writeOtherFiles,
  writeReadmeAndReport,
  writeSameFilesList,
} from './export-package-files.js';

export interface ExportDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  config: ArchiveConfig;
  timeZone: string;
  virusScan?: VirusScanner;
  /** DOCX_TO_PDF_COMMAND: DOCX 文书 and the 登记表 get a PDF beside them. */
  docxToPdf?: DocxToPdf;
  progress?: Progress;
  /** Records copied at once (default 8). */
  concurrency?: number;
  /** Records read from the database at a time (default 100). */
  pageSize?: number;
  /** Threads copying and hashing (default: one per CPU, 2 to 8). */
  copyThreads?: number;
  software?: string;
  /** Told each leftover of a dead export removed before this one starts (a stale `.partial`, …). */
  removedLeftover?: (path: string) => void;
}

export interface ExportInput {
  unitId: number;
  year: number;
  /**
   * The carrier's root folder (or the bag's); must not exist or be empty. The package is written into
   * `<outDir>.partial/package` and renamed to outDir once it is complete and on disk (see
   * claimWorkDir: a mounted disk's root or a folder made beforehand in a parent this user cannot
   * write is written in place under a claim file inside it; a folder made beforehand elsewhere is
   * replaced by the rename, the package taking its mode, owner and group).
   */
  outDir: string;
  /** Where the package goes instead when it is a 预检包 (default outDir). */
  preCheckOutDir?: string;
  /** 'carrier' (default): the 移交 layout at the root; 'bag': the same inside a BagIt bag. */
  layout?: PackageLayout;
  /** Who asked for it, as the package's record names them (default: the command line). */
  by?: { actor: string; source: 'cli' | 'chat' };
}

export interface ExportResult {
  outDir: string;
  records: number;
  withdrawn: number;
  files: number;
  bytes: number;
  unconfirmed: number;
  /** 件 confirmed while the export ran: not in this package (its counts were read first), in the next. */
  confirmedDuring: number;
  payloadOxum: string;
  report: FourPropertiesReport;
  catalogueXlsx: string;
  layout: PackageLayout;
  /** The 四性 check failed: written as a 预检包 (not to be handed over, no 登记表). */
  preCheck: boolean;
  /** The package's 数字摘要: SHA-256 of 其他/数字摘要清单.TXT. */
  digest: string;
  /** What the conversions (版式 copies, WAV) cost. */
  conversions: ConversionCosts;
  /** The 登记表's PDF through DOCX_TO_PDF_COMMAND: its package path, or why it failed. */
  registrationPdf?: { path: string } | { problem: string };
  /** The folder was made beforehand by an owner (or group) this user cannot give it back to (chown). */
  ownerNotKept?: OwnerNotKept;
  /** The package's row in transfer_packages (recorded as it got its final name). */
  packageId: number;
  /** The whole package folder on disk as written (every file, not only 电子档案), as its record keeps it. */
  size: PackageSize;
}

/** What writePackage hands back beyond the result: what the package's record needs. */
type WrittenPackage = Omit<ExportResult, 'packageId' | 'size'> & {
  carried: number[];
  fondsCodes: string;
  /** The retired records whose 移交后变更 the 说明文件 states. */
  stated: number[];
  /** When the records began to be read (transfer_packages.read_at). */
  readAt: Date;
};

/**
 * Writes the transfer package of a unit's subtree for a year in the layout of the 电子档案移交与
 * 接收办法 (附件2): 说明文件.TXT, 文件目录.XML (flat, one 顺序号 sequence), 电子档案/ (files named by
 * 档号 with per-item metadata XML) and 其他/ (归档文件目录.xlsx, the 四性 report, scheme, tables,
 * the fixity list and the 移交与接收登记表 quoting its hash) at the root of `outDir`, or (layout
 * 'bag') the same folder as the payload of a BagIt 1.0 bag. The 归档文件目录 is compiled per class
 * (one Excel sheet each, 序号 from 1, covers on the 封面 sheet), classes in sortClasses order.
 * Original bytes only, streamed with flat memory; the four-properties checks run on the copies as
 * they are made. A package that fails them is written as a 预检包 (labelled at its root and in
 * 说明文件, no 登记表). It is written into `<outDir>.partial/package` and renamed to outDir (or
 * preCheckOutDir) only once complete and flushed to disk; on an error the partial output is removed.
 * A second export to the same folder while this one runs is refused (`.partial`, or the in-place
 * claim, has a live owner); leftovers of dead exports there are removed first (told to removedLeftover).
 */
export async function exportTransferPackage(deps: ExportDeps, input: ExportInput): Promise<ExportResult> {
  const unit = await getUnitById(deps.db, input.unitId);
  if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
  const finalDirs = [...new Set([input.outDir, input.preCheckOutDir ?? input.outDir])];
  for (const dir of finalDirs) await ensureFreeDir(dir);
  // `<out>.partial/package`, or the folder itself (a mounted carrier, an administrator's folder).
  const { dir: workDir, inPlace } = await claimWorkDir(input.outDir, deps.removedLeftover);
  let schemas: SchemaValidator | undefined;
  // The package's streamed files (catalogues, fixity list, manifest): closed when the export fails.
  const opened: { abort(): void }[] = [];
  try {
    // Item XMLs are validated on their own thread as they are written.
    schemas = new SchemaValidator(ITEM_METADATA_XSD);
    const result = await writePackage(
      deps,
      { ...input, outDir: workDir },
      unit,
      schemas,
      {
        handedOver: input.outDir,
        // A package written in place keeps its folder, 预检包 or not.
        preCheck: inPlace ? input.outDir : (input.preCheckOutDir ?? input.outDir),
      },
      opened,
    );
    // On the carrier before the command says it is written (a USB disk is unplugged at once).
    await flushToDisk(workDir);
    // What is on disk now is what is handed over (the rename below moves it whole).
    const size = await packageSize(workDir);
    const finalDir = result.preCheck && !inPlace ? (input.preCheckOutDir ?? input.outDir) : input.outDir;
    // One rename of the package folder: the final name exists only for a whole package, on disk. It
    // is recorded (transfer_packages) in the transaction around that rename: a package that never got
    // its name is never recorded, and one recorded always got it.
    const { carried, fondsCodes, stated, readAt, ...written } = result;
    const { packageId, ownerNotKept } = await deps.db.transaction(async (tx) => {
      // The 移交后变更 its 说明文件 states were read (changedAfterTransferOf) long before this: an export of
      // an overlapping scope running at once may state some of them too. Both are only made (已生成):
      // a change counts as stated once a package stating it is handed over, so neither states it wrongly.
      const packageId = await insertTransferPackage(
        tx,
        {
          createdAt: deps.clock.now(),
          // A change made since the records began to be read may be missing: it is listed after this.
          readAt,
          actor: input.by?.actor ?? 'cli',
          source: input.by?.source ?? 'cli',
          unitId: unit.id,
          year: input.year,
          fondsCodes,
          layout: result.layout,
          preCheck: result.preCheck,
          digest: result.digest,
          outDir: finalDir,
          records: carried.length,
          bytes: size.bytes,
          files: size.files,
        },
        carried,
        stated,
      );
      const ownerNotKept = inPlace ? undefined : await publishPackage(input.outDir, workDir, finalDir);
      if (inPlace) await releaseInPlace(input.outDir);
      return { packageId, ownerNotKept };
    });
    return {
      ...written,
      packageId,
      size,
      ...(ownerNotKept ? { ownerNotKept } : {}),
      outDir: finalDir,
      catalogueXlsx: join(finalDir, result.catalogueXlsx.slice(workDir.length + 1)),
    };
  } catch (err) {
    for (const w of opened) w.abort();
    // Nothing half-written stays behind (the folder was empty when we claimed it; `.partial` is ours).
    if (inPlace) await abandonInPlace(input.outDir);
    else await releaseClaim(input.outDir);
    throw err;
  } finally {
    await schemas?.close();
  }
}

async function writePackage(
  deps: ExportDeps,
  input: ExportInput,
  unit: UnitRow,
  schemas: SchemaValidator,
  /** The package's final path, as its 四性 report names it: a 预检包 goes to a folder of its own. */
  packagePaths: { handedOver: string; preCheck: string },
  /** Told each streamed file as it is opened. */
  opened: { abort(): void }[],
): Promise<WrittenPackage> {
  const { db, config } = deps;
  const layout = input.layout ?? 'carrier';
  const startedAt = deps.clock.now();
  const generatedAt = `${localDateTime(startedAt, deps.timeZone)}（${deps.timeZone}）`;
  const scope = { unitPath: unit.path, year: input.year };
  const scopeClasses = sortClasses(await listScopeClasses(db, scope), config);
  // The fonds the records really hold (a village with its own fonds is named as such everywhere).
  const fonds = await packageFondsOf(
    db,
    config,
    unit,
    scopeClasses.map((c) => c.fondsCode),
  );
  const outside = await classesOutsideScope(
    db,
    unit.path,
    scopeClasses.map((c) => c.classKey),
  );
  // A class other units number too: its 备考表 line says where its other 件号 are.
  const classes = catalogueClassesOf(scopeClasses, config, fonds.nameOf).map((c) => {
    const shared = outside.get(c.classKey);
    return shared ? { ...c, sharedWith: shared } : c;
  });
  const bag = layout === 'bag' ? new BagWriter(input.outDir) : undefined;
  if (bag) opened.push(bag);
  await bag?.open();
  const pkg = new FixityListWriter(bag ?? new CarrierFolderWriter(input.outDir), PACKAGE_PATHS.fixity);
  opened.push(pkg);
  await pkg.open();
  const header = {
    fondsCode: fonds.codes,
    fondsName: fonds.names,
    unitName: unit.fullName,
    year: input.year,
    generatedAt,
  };
  const xmlPath = await pkg.payloadPath(PACKAGE_PATHS.catalogueXml);
  const xlsxPath = await pkg.payloadPath(PACKAGE_PATHS.catalogueXlsx);
  const xmlWriter = await CatalogueXmlWriter.open(xmlPath);
  opened.push(xmlWriter);
  const xlsxWriter = await CatalogueXlsxWriter.open(xlsxPath, header, classes);
  opened.push(xlsxWriter);
  const ctx: RecordsExportContext = {
    db,
    blobs: deps.blobs,
    config,
    timeZone: deps.timeZone,
    bag: pkg,
    xml: xmlWriter,
    carrierSeq: 0,
    xlsx: xlsxWriter,
    report: new ReportBuilder(),
    fileCtx: { allowedFormats: config.allowedFormats, timeZone: deps.timeZone, virusScan: deps.virusScan },
    progress: deps.progress ?? silentProgress,
    concurrency: deps.concurrency ?? 8,
    pageSize: deps.pageSize ?? 100,
    copier: new CopyPool(deps.copyThreads),
    written: new Set(),
    startedAt,
    formats: new Map(),
    volumes: [],
    schemas,
    ...(deps.docxToPdf ? { docxToPdf: deps.docxToPdf } : {}),
    oneAtATime: oneAtATime(),
    costs: noConversionCosts(),
    // From the same snapshot as the rows: a 件 confirmed since is not named as holding a copy.
    sameFiles: await sameFilesInScope(db, scope, scopeClasses),
    samePaths: new Map(),
    carried: [],
  };
  ctx.progress.start(
    '导出',
    classes.reduce((n, c) => n + c.records, 0),
  );
  try {
    for (const cls of classes) await exportClass(ctx, scope, cls, outside.get(cls.classKey));
  } finally {
    await ctx.copier.close();
  }
  ctx.progress.done();

  const xml = await ctx.xml.close();
  await pkg.addPayload(PACKAGE_PATHS.catalogueXml, xml.sha256, xml.size);
  await ctx.xlsx.close();
  const xlsx = await copyAndHash(xlsxPath);
  await pkg.addPayload(PACKAGE_PATHS.catalogueXlsx, xlsx.sha256, xlsx.size);
  const volumes = householdVolumes(ctx.volumes, new Set());
  ctx.volumes.length = 0;
  if (volumes.length > 0) {
    const path = await pkg.payloadPath(PACKAGE_PATHS.householdVolumesXlsx);
    await writeHouseholdVolumesXlsx(path, header, volumes);
    const h = await copyAndHash(path);
    await pkg.addPayload(PACKAGE_PATHS.householdVolumesXlsx, h.sha256, h.size);
  }
  const same = await writeSameFilesList(pkg, ctx.samePaths);
  await checkPackageFiles(pkg.payloadRoot, ctx.written, ctx.report);
  await checkPackageSchemas(pkg.payloadRoot, ctx.schemas, ctx.report);
  await writeOtherFiles(db, pkg, config, unit.path, input.year);

  const totals = ctx.report.totals;
  const changed = await changedAfterTransferOf(db, scope, deps.timeZone);
  const edited = await editedAfterTransferOf(db, scope, new Set(ctx.carried), deps.timeZone);
  const summary: Omit<PackageSummary, 'fourPropertiesPassed' | 'fourPropertiesFailures'> = {
    layout,
    carrierEntries: ctx.carrierSeq,
    fonds: fonds.held,
    transferringUnit: fonds.unit.transferringUnit,
    unitFullName: unit.fullName,
    year: input.year,
    generatedAt,
    records: totals.records,
    withdrawn: totals.withdrawn,
    files: ctx.written.size - (totals.records - totals.withdrawn),
    bytes: totals.bytes,
    formats: ctx.formats,
    unconfirmed: await countUnconfirmed(db, unit.path, input.year),
    software: deps.software ?? 'lark-archive-bot',
    catalogues: classes,
    householdVolumes: volumes.length,
    archivalCopies: ctx.costs.wav.items + ctx.costs.photoPdf.items + ctx.costs.docxPdf.items,
    sameFiles: same,
    changedAfterTransfer: changed.lines,
    editedAfterTransfer: edited,
    partialClasses: classes.flatMap((c) => {
      const o = outside.get(c.classKey);
      return o
        ? [{ code: classCodeText(c, config), inPackage: c.records, outside: o.records, units: o.units }]
        : [];
    }),
  };
  // 说明文件 is written last (it states the result), so its required lines are checked on its text now.
  checkReadme(
    readmeText(config, { ...summary, fourPropertiesPassed: true, fourPropertiesFailures: 0 }),
    ctx.report,
  );
  const report = ctx.report.finish(
    deps.clock.now(),
    {
      unitCode: unit.code,
      unitName: unit.fullName,
      year: input.year,
      package: ctx.report.passing ? packagePaths.handedOver : packagePaths.preCheck,
    },
    deps.virusScan ? 'ran' : 'off',
    deps.timeZone,
  );
  const unconfirmed = summary.unconfirmed;
  const confirmedDuring = await countConfirmedBeyond(db, scope, scopeClasses);
  const { digest, registrationPdf } = await writeReadmeAndReport(
    pkg,
    config,
    report,
    {
      ...summary,
      fourPropertiesPassed: report.passed,
      fourPropertiesFailures: report.failures.filter((f) => f.severity === 'error').length,
      // What nobody checked is said beside the verdict, never folded into 通过.
      fourPropertiesUnchecked: report.table
        .filter((r) => r.result === '未检')
        .map((r) => `${r.no} ${r.name}`),
    },
    deps.docxToPdf,
  );
  const payloadOxum = !bag
    ? pkg.payloadOxum
    : (
        await bag.finish(
          {
            'Source-Organization': fonds.unit.transferringUnit,
            'Contact-Name': config.package.contact,
            'External-Identifier': `${fonds.held.map((f) => f.code).join('-')}-${unit.code}-${input.year}`,
            'External-Description':
              `全宗 ${fonds.held.map((f) => `${f.code} ${f.name}`.trim()).join('、')}：` +
              `${unit.fullName} ${input.year}年度 归档文件移交包（DA/T 22-2015）`,
            'Bag-Software-Agent': deps.software ?? 'lark-archive-bot',
          },
          isoDate(startedAt, deps.timeZone),
        )
      ).payloadOxum;
  return {
    outDir: input.outDir,
    records: report.totals.records,
    withdrawn: report.totals.withdrawn,
    files: report.totals.files,
    bytes: report.totals.bytes,
    unconfirmed,
    confirmedDuring,
    payloadOxum,
    report,
    catalogueXlsx: xlsxPath,
    layout,
    preCheck: !report.passed,
    digest,
    conversions: ctx.costs,
    ...(registrationPdf ? { registrationPdf } : {}),
    carried: ctx.carried,
    stated: changed.records,
    readAt: startedAt,
    fondsCodes: fonds.held.map((f) => f.code).join('、'),
  };
}

/**
 * 移交后变更 of the scope for 说明文件: each retired 档号 once, with the first 移交包 that carried it, and
 * only those no handed-over 移交包's 说明文件 stated (a change is reported in every package after it until
 * one stating it is handed over: a package only made, or voided, never told the county archive);
 * `records`: their retired records, recorded with a 移交包 as stated by it.
 */
async function changedAfterTransferOf(
  db: Db,
  scope: { unitPath: string; year: number },
  timeZone: string,
): Promise<{ lines: NonNullable<PackageSummary['changedAfterTransfer']>; records: number[] }> {
  const seen = new Set<number>();
  const changes = (await changesAfterTransfer(db, { ...scope, unstated: true })).filter(
    (c) => !seen.has(c.recordId) && seen.add(c.recordId),
  );
  return {
    records: changes.map((c) => c.recordId),
    lines: changes.map((c) => ({
      code: c.archivalCode,
      sentOn: isoDate(c.handedAt, timeZone),
      withdrawnOn: isoDate(c.withdrawnAt, timeZone),
      reason: c.withdrawnReason,
      now: c.reconfirmedAs,
    })),
  };
}

/**
 * 著录已改 / 文件已撤回 of the scope for 说明文件: the 件 this package carries (`carried`: their records)
 * whose 著录 was changed or some of whose files were recalled after a handed-over 移交包 carried them, and
 * no later handed-over one carried them since — one line per 档号, its changes oldest first. Once this
 * package is handed over it holds them as changed, so they are no longer listed (nor stated again).
 */
async function editedAfterTransferOf(
  db: Db,
  scope: { unitPath: string; year: number },
  carried: Set<number>,
  timeZone: string,
): Promise<NonNullable<PackageSummary['editedAfterTransfer']>> {
  const byRecord = new Map<number, NonNullable<PackageSummary['editedAfterTransfer']>[number]>();
  for (const e of (await recordEditsAfterTransfer(db, scope)).rows) {
    if (!carried.has(e.recordId)) continue;
    const line = byRecord.get(e.recordId) ?? {
      code: e.archivalCode,
      sentOn: isoDate(e.handedAt, timeZone),
      changes: [],
    };
    line.changes.push({ what: recordEditText(e), on: isoDate(e.at, timeZone) });
    byRecord.set(e.recordId, line);
  }
  return [...byRecord.values()];
}

/** Order of the catalogues: fonds, 门类 (文书, 照片, 录音, 录像), year, 保管期限 (永久 first), 机构. */
function sortClasses(classes: ScopeClass[], config: ArchiveConfig): ScopeClass[] {
  const cat = Object.values(config.category);
  const ret = RETENTION_ORDER.map((r) => config.retention[r]);
  const rank = (list: string[], v: string) => (list.includes(v) ? list.indexOf(v) : list.length);
  return [...classes].sort(
    (a, b) =>
      a.fondsCode.localeCompare(b.fondsCode) ||
      rank(cat, a.categoryCode) - rank(cat, b.categoryCode) ||
      a.year - b.year ||
      rank(ret, a.retentionCode) - rank(ret, b.retentionCode) ||
      a.orgCode.localeCompare(b.orgCode),
  );
}
