import { readdir, readFile, rm } from 'node:fs/promises';
import type { DocxToPdf } from '../archive/docx-to-pdf.js';
import { errorMessage } from '../errors.js';
import { join } from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import type { FixityListWriter, PackageWriter } from '../archive/package-writer.js';
import { registrationForm } from '../archive/registration-form.js';
import { copyAndHash } from '../archive/copy-and-hash.js';
import { writeReportXlsx } from '../archive/four-properties-report.js';
import { CARRIER_CATALOGUE_XSD, ITEM_METADATA_XSD, SCHEMA_PATHS } from '../archive/package-schemas.js';
import type { SchemaValidator } from '../archive/package-schema-check.js';
import { writeHashed } from '../archive/hashing-writer.js';
import {
  checklistText,
  classificationSchemeText,
  PACKAGE_PATHS,
  preCheckText,
  readmeText,
  sameFilesText,
  type PackageSummary,
} from '../archive/transfer-package.js';
import type { Db } from '../db/client.js';
import { checklistRows, retentionRows } from '../db/repos/archive-checks.js';
import { listUnitFonds } from '../db/repos/fonds.js';
import { failure, type FourPropertiesReport, type ReportBuilder } from '../domain/four-properties.js';
import { retentionTableText } from '../domain/retention.js';

async function* walk(dir: string, rel: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    if (e.isDirectory()) yield* walk(join(dir, e.name), `${rel}/${e.name}`);
    else yield `${rel}/${e.name}`;
  }
}

/**
 * "Every catalogue row has its file and every file its row", on the package as written: walks
 * 电子档案/ and compares with what the export put there.
 */
export async function checkPackageFiles(
  dataDir: string,
  written: Set<string>,
  report: ReportBuilder,
): Promise<void> {
  const root = PACKAGE_PATHS.records;
  let found = 0;
  for await (const rel of walk(join(dataDir, root), root)) {
    report.checked('integrity');
    if (written.has(rel)) found++;
    else report.add(failure('orphan_file', '移交包中的文件在目录中没有对应条目', { file: rel }));
  }
  if (found === written.size) return;
  const seen = new Set<string>();
  for await (const rel of walk(join(dataDir, root), root)) seen.add(rel);
  for (const rel of written)
    if (!seen.has(rel)) report.add(failure('file_missing', '目录中的文件在移交包中找不到', { file: rel }));
}

/**
 * The package's own XML against the schemas it ships (DA/T 70 row 1-6): every item's metadata XML
 * (handed to `schemas` by the export as it wrote each one: the bytes written and hashed) and
 * 文件目录.XML, read back as written; all validated with libxml2. Each file that fails is a
 * `schema_invalid` failure naming it and libxml2's first error. Ends the validator's thread.
 */
export async function checkPackageSchemas(
  dataDir: string,
  schemas: SchemaValidator,
  report: ReportBuilder,
): Promise<void> {
  report.checked('authenticity', schemas.added);
  const catalogue = PACKAGE_PATHS.catalogueXml;
  await schemas.add(catalogue, await readFile(join(dataDir, catalogue)), CARRIER_CATALOGUE_XSD);
  report.checked('authenticity');
  const problems = await schemas.finish();
  // 文件目录.XML first, then the items in the order they were written.
  problems.sort((a, b) => Number(b.file === catalogue) - Number(a.file === catalogue));
  for (const p of problems) {
    const schemaPath = p.file === catalogue ? SCHEMA_PATHS.carrierCatalogue : SCHEMA_PATHS.itemMetadata;
    const code = /^电子档案\/.+\/([^/]+)\.xml$/.exec(p.file)?.[1];
    report.add(
      failure('schema_invalid', `${p.file} 不符合 ${schemaPath}：${p.message}`, {
        file: p.file,
        ...(code ? { archivalCode: code } : {}),
      }),
    );
  }
}

/** Lines 说明文件 must have with a value (附件2 of the 电子档案移交与接收办法: 载体 and units). */
const README_FIELDS = [
  '移交单位',
  '接收单位',
  '全宗号',
  '档案形成单位',
  '年度',
  '档案数量',
  '载体类型',
  '载体编号',
  '载体保管单位',
  '载体制作单位',
  '载体检查单位',
  '数据量',
  '制作时间',
  '所需软硬件环境',
];

/**
 * 说明文件 as it will be written has each required line with a value (row 1-6): a missing line or an
 * empty value is a failure, a placeholder the configuration left (（未编号）, （未填）) a warning.
 */
export function checkReadme(text: string, report: ReportBuilder): void {
  report.checked('authenticity');
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  for (const field of README_FIELDS) {
    const line = lines.find((l) => l.startsWith(`${field}：`));
    const value = line?.slice(field.length + 1).trim() ?? '';
    const at = { file: PACKAGE_PATHS.readme };
    if (!line) report.add(failure('readme_incomplete', `说明文件缺少「${field}」`, at));
    else if (!value) report.add(failure('readme_incomplete', `说明文件的「${field}」为空`, at));
    else if (/^（未(编号|填)）/.test(value))
      report.add(
        failure('readme_incomplete', `说明文件的「${field}」未填写（archive.yaml package）`, {
          ...at,
          severity: 'warning',
        }),
      );
  }
}

/** 其他/: classification scheme, retention table, checklist and the hand-over form. */
export async function writeOtherFiles(
  db: Db,
  bag: PackageWriter,
  config: ArchiveConfig,
  unitPath: string,
  year: number,
): Promise<void> {
  const other = PACKAGE_PATHS.other;
  const files: [string, string][] = [
    [`${other}/分类方案.TXT`, classificationSchemeText(config, [...(await listUnitFonds(db)).values()])],
    [
      `${other}/保管期限表.TXT`,
      '\ufeff' +
        retentionTableText(
          await retentionRows(db, unitPath, year),
          config.retention,
          `归档范围与保管期限表（${year}年度）`,
        ),
    ],
    [`${other}/归档材料清单.TXT`, checklistText(await checklistRows(db, unitPath, year), year)],
    [SCHEMA_PATHS.carrierCatalogue, CARRIER_CATALOGUE_XSD],
    [SCHEMA_PATHS.itemMetadata, ITEM_METADATA_XSD],
  ];
  for (const [rel, text] of files) await addText(bag, rel, text);
}

/**
 * The end of the package: the 四性 report (JSON + Excel), the 预检包 notice when it failed, 说明文件,
 * then the fixity list is closed and its SHA-256 (the package's 数字摘要) goes on the 移交与接收登记表
 * (DOCX), which only a package that passed gets, and its PDF when a DOCX_TO_PDF_COMMAND is
 * configured (a converter that fails leaves the DOCX alone and says why: the 四性 report is written
 * by then). Returns the 数字摘要.
 */
export async function writeReadmeAndReport(
  pkg: FixityListWriter,
  config: ArchiveConfig,
  report: FourPropertiesReport,
  summary: PackageSummary,
  docxToPdf?: DocxToPdf,
): Promise<{ digest: string; registrationPdf?: { path: string } | { problem: string } }> {
  await addText(pkg, PACKAGE_PATHS.reportJson, JSON.stringify(report, null, 2) + '\n');
  const xlsxPath = await pkg.payloadPath(PACKAGE_PATHS.reportXlsx);
  await writeReportXlsx(xlsxPath, report);
  const xlsx = await copyAndHash(xlsxPath);
  await pkg.addPayload(PACKAGE_PATHS.reportXlsx, xlsx.sha256, xlsx.size);
  if (!summary.fourPropertiesPassed) await addText(pkg, PACKAGE_PATHS.preCheck, preCheckText(summary));
  await addText(pkg, PACKAGE_PATHS.readme, readmeText(config, summary));
  const list = await pkg.closeList();
  if (summary.fourPropertiesPassed) {
    // docx is loaded here only, not at start-up.
    const { registrationFormDocx } = await import('../archive/registration-form-docx.js');
    const docx = await registrationFormDocx(registrationForm(config, summary, report, list.sha256));
    const docxPath = await pkg.payloadPath(PACKAGE_PATHS.registration);
    const h = await writeHashed(docxPath, docx);
    await pkg.addPayload(PACKAGE_PATHS.registration, h.sha256, h.size);
    if (docxToPdf) {
      const rel = PACKAGE_PATHS.registration.replace(/\.docx$/i, '.pdf');
      const pdfPath = await pkg.payloadPath(rel);
      try {
        const p = await docxToPdf(docxPath, pdfPath);
        await pkg.addPayload(rel, p.sha256, p.size);
        return { digest: list.sha256, registrationPdf: { path: rel } };
      } catch (err) {
        await rm(pdfPath, { force: true });
        return { digest: list.sha256, registrationPdf: { problem: errorMessage(err) } };
      }
    }
  }
  return { digest: list.sha256 };
}

/**
 * 其他/相同文件清单.TXT when the package carries a file more than once (the copies as written, by
 * the hash recorded at capture): the groups and files it lists, for 说明文件.
 */
export async function writeSameFilesList(
  pkg: PackageWriter,
  samePaths: Map<string, string[]>,
): Promise<{ groups: number; files: number }> {
  const groups = [...samePaths]
    .filter(([, paths]) => paths.length > 1)
    .map(([sha256, paths]) => ({ sha256, paths }))
    .sort((a, b) => a.paths[0]!.localeCompare(b.paths[0]!));
  if (groups.length > 0) await addText(pkg, PACKAGE_PATHS.sameFiles, sameFilesText(groups));
  return { groups: groups.length, files: groups.reduce((n, g) => n + g.paths.length, 0) };
}

async function addText(pkg: PackageWriter, rel: string, text: string): Promise<void> {
  const h = await writeHashed(await pkg.payloadPath(rel), text);
  await pkg.addPayload(rel, h.sha256, h.size);
}
