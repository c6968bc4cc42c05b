import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFilesAgainstSchema } from '../../src/archive/package-schema-check.js';
import { CARRIER_CATALOGUE_XSD } from '../../src/archive/package-schemas.js';
import { queryRows } from '../../src/db/client.js';
import { checkFourProperties } from '../../src/usecases/check-four-properties.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage, type ExportResult } from '../../src/usecases/export-transfer-package.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';

/**
 * DA/T 70 row 1-6 (说明文件和目录文件规范性检测): the export validates the package's own 文件目录.XML and
 * every item's metadata XML against the XSDs it ships, and checks 说明文件's required lines. A good
 * package passes it; a record whose stored 日期 is not YYYYMMDD (written into the database before the
 * description form checked dates) makes both XML files invalid, so the package is a 预检包 naming them.
 */
describe('四性: the package XML against its schemas (row 1-6)', () => {
  let f: ArchiveFixture;
  let out: string;
  let good: ExportResult;
  let broken: ExportResult;
  let brokenCode: string;

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-schema-'));
    const pdf = (name: string) => ({
      bytes: minimalPdf(1),
      kind: 'document' as const,
      mime: 'application/pdf',
      name,
    });
    await f.fileItem(f.task.doc, [pdf('关于开展脱贫攻坚普查工作的通知.pdf')]);
    const bad = await f.fileItem(f.task.v2doc, [pdf('西村两委会议记录.pdf')]);
    const deps = { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs };
    await confirmArchive(deps, { unitId: f.unit.T1.id, year: 2025, actor: 'cli', source: 'cli' });
    await f.db.execute(sql`insert into item_descriptions (item_id, date, described_at, described_by)
      values (${bad}, '2025-05-20', ${f.clock.now()}, 'cli')`);
    const [row] = await queryRows<{ code: string }>(
      f.db,
      sql`select archival_code as code from archive_records where item_id = ${bad} and status = 'confirmed'`,
    );
    brokenCode = row!.code;
    const exportDeps = {
      db: f.db,
      blobs: f.blobs,
      clock: f.clock,
      config: f.config,
      timeZone: 'Asia/Shanghai',
    };
    good = await exportTransferPackage(exportDeps, {
      unitId: f.unit.V1.id,
      year: 2025,
      outDir: join(out, 'good'),
    });
    broken = await exportTransferPackage(exportDeps, {
      unitId: f.unit.V2.id,
      year: 2025,
      outDir: join(out, 'broken'),
      layout: 'bag',
    });
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  const row = (r: ExportResult) => r.report.table.find((t) => t.no === '1-6')!;

  it('a good package passes row 1-6; the unnumbered carrier of the test settings is a warning', () => {
    expect(row(good)).toMatchObject({
      name: '说明文件和目录文件规范性检测',
      result: '通过',
      failed: 0,
    });
    expect(good.report.failures.filter((x) => x.check === 'schema_invalid')).toEqual([]);
    const readme = good.report.failures.filter((x) => x.check === 'readme_incomplete');
    expect(readme.map((x) => [x.severity, x.message])).toEqual([
      ['warning', '说明文件的「载体编号」未填写（archive.yaml package）'],
    ]);
    expect(good.preCheck).toBe(false);
    // The checked 说明文件 is the one written.
    expect(readFileSync(join(out, 'good', '说明文件.TXT'), 'utf8')).toContain('载体编号：（未编号）');
  });

  it('a package whose XML breaks its schema fails row 1-6, naming each file, and is a 预检包', () => {
    expect(row(broken)).toMatchObject({ result: '不通过', failed: 2 });
    const failures = broken.report.failures.filter((x) => x.check === 'schema_invalid');
    expect(failures.map((x) => x.file).sort()).toEqual(
      ['文件目录.XML', `电子档案/2025/WS/${brokenCode}.xml`].sort(),
    );
    for (const x of failures) {
      expect(x.severity).toBe('error');
      expect(x.property).toBe('authenticity');
      expect(x.message).toMatch(/不符合 其他\/XML模式\/.+\.xsd：第 \d+ 行：.*日期/);
    }
    expect(failures.find((x) => x.file !== '文件目录.XML')!.archivalCode).toBe(brokenCode);
    expect(broken.preCheck).toBe(true);
    expect(readFileSync(join(out, 'broken', 'data', '说明文件.TXT'), 'utf8')).toContain('【预检包】');
  });

  it('npm run verify checks the archive, not a package: row 1-6 reads 未检 with the reason', async () => {
    const report = await checkFourProperties(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025 },
    );
    expect(report.table.find((t) => t.no === '1-6')).toMatchObject({
      result: '未检',
      note: '只在导出移交包时检测（本次检测未生成移交包）',
    });
  });

  it('a file that is not well-formed XML is named with libxml2’s parser error, beside a valid one', async () => {
    const ok = join(out, 'ok.xml');
    writeFileSync(ok, '<?xml version="1.0" encoding="UTF-8"?>\n<文件目录/>\n');
    const torn = join(out, 'torn.xml');
    writeFileSync(torn, '<?xml version="1.0" encoding="UTF-8"?>\n<文件目录><文件>\n');
    const problems = await validateFilesAgainstSchema(
      [
        { path: ok, name: 'ok.xml' },
        { path: torn, name: '电子档案/torn.xml' },
      ],
      CARRIER_CATALOGUE_XSD,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe('电子档案/torn.xml');
    expect(problems[0]!.message).toMatch(/^第 \d+ 行：/);
  });
});
