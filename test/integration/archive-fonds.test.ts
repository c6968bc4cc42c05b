import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { runUnitsCommand } from '../../src/cli/units.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/** 全宗 per 立档单位: set with the units CLI, inherited down the tree, named by every package file. */
describe('fonds per 立档单位', () => {
  let f: ArchiveFixture;
  let out: string;
  let lines: string[];
  const units = (...args: string[]) => {
    lines = [];
    return runUnitsCommand(args, { db: f.db, clock: f.clock, out: (l) => lines.push(l) });
  };
  const archive = (...args: string[]) => {
    lines = [];
    return runArchiveCommand(args, {
      db: f.db,
      env: { DATA_DIR: f.dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML },
      out: (l) => lines.push(l),
    });
  };
  const exportTo = (unitId: number, dir: string, layout: 'bag' | 'carrier' = 'carrier') =>
    exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId, year: 2025, outDir: join(out, dir), layout },
    );
  const read = (dir: string, rel: string) => readFileSync(join(out, dir, rel), 'utf8');

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-fonds-'));
    for (let i = 0; i < 2; i++)
      await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }]);
    await f.fileItem(f.task.v2doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }]);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('refuses an unsafe or missing 全宗号 and a code another unit holds, naming what is wrong', async () => {
    await expect(units('fonds', 'V1', 'code=A-1/..', 'name=东村')).rejects.toThrow('全宗号 A-1/.. 不合规');
    await expect(units('fonds', 'V1', 'name=东村')).rejects.toThrow('缺少 code=全宗号');
    await expect(units('fonds', 'V1', 'code=A183')).rejects.toThrow('缺少 name=全宗名称');
    await expect(units('fonds', 'V1', 'colour=red')).rejects.toMatchObject({ code: 'usage' });
    await expect(units('fonds', 'NOPE', 'code=A183', 'name=x')).rejects.toThrow('找不到单位 NOPE');
    await units('fonds', 'V2', 'code=A190', 'name=西村村民委员会');
    await expect(units('fonds', 'V1', 'code=A190', 'name=东村')).rejects.toThrow('已属于单位 V2');
    await units('fonds', 'V2', 'off');
    expect(lines[0]).toContain('沿用上级');
  });

  it('numbers a village with its own fonds under it, gap-free; its neighbour inherits the county fonds', async () => {
    await units('fonds', 'V1', 'code=A183', 'name=东村村民委员会', 'transferringUnit=甲镇东村村民委员会');
    expect(lines[0]).toContain('A183 东村村民委员会');
    await units('list');
    expect(lines.find((l) => l.includes('V1'))).toContain('全宗 A183');
    await units('fonds');
    expect(lines).toEqual(['V1  全宗号 A183  东村村民委员会  移交单位：甲镇东村村民委员会']);
    await archive('confirm', '--unit', 'T1', '--year', '2025');
    const text = lines.join('\n');
    expect(text).toContain('A183-WS·2025-D30-ZH-0001 至 A183-WS·2025-D30-ZH-0002（2件）');
    // V2's item has its own counter under the county fonds: 0001, not 0003.
    expect(text).toContain('A182-WS·2025-D30-ZH-0001（1件）');
  });

  it("names the village's fonds in 说明文件, 目录, 封面, bag-info and the registration form", async () => {
    const res = await exportTo(f.unit.V1.id, 'v1', 'bag');
    expect(
      res.report.failures.filter((x) => x.check === 'partial_class' || x.check === 'number_gap'),
    ).toEqual([]);
    expect(res.report.passed).toBe(true);
    const readme = read('v1', 'data/说明文件.TXT');
    expect(readme).toContain('移交单位：甲镇东村村民委员会');
    expect(readme).toContain('全宗号：A183    全宗名称：东村村民委员会');
    expect(readme).not.toContain('A182');
    expect(readme).not.toContain('测试县人民政府');
    expect(read('v1', 'data/文件目录.XML')).not.toContain('A182');
    const meta = read('v1', 'data/电子档案/2025/WS/A183-WS·2025-D30-ZH-0001.xml');
    expect(meta).toContain('<全宗号>A183</全宗号>');
    const info = read('v1', 'bag-info.txt');
    expect(info).toContain('Source-Organization: 甲镇东村村民委员会');
    expect(info).toContain('External-Identifier: A183-V1-2025');
    expect(info).not.toContain('测试县人民政府');
    const form = strFromU8(
      unzipSync(readFileSync(join(out, 'v1', 'data/其他/电子档案移交与接收登记表.docx')))[
        'word/document.xml'
      ]!,
    ).replace(/<[^>]+>/g, '');
    expect(form).toContain('甲镇东村村民委员会');
    expect(form).toContain('全宗 A183 东村村民委员会');
    expect(read('v1', 'data/其他/分类方案.TXT')).toContain('单位 V1 及其下级：全宗号 A183（东村村民委员会）');

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'v1', 'data', '其他', '归档文件目录.xlsx'));
    const cover = wb.getWorksheet('封面')!;
    const value = (label: string) => {
      let v: unknown;
      cover.eachRow((r) => {
        if (r.getCell(1).value === label) v = r.getCell(2).value;
      });
      return v;
    };
    expect(value('全宗号')).toBe('A183');
    expect(value('全宗名称')).toBe('东村村民委员会');
    expect(wb.getWorksheet('WS·2025-D30-ZH')!.headerFooter.oddHeader).toContain(
      '全宗号：A183  东村村民委员会',
    );
  });

  it('a package over both fonds names both; the 移交单位 is the exporting unit’s fonds', async () => {
    await exportTo(f.unit.T1.id, 't1', 'bag');
    const readme = read('t1', 'data/说明文件.TXT');
    expect(readme).toContain('全宗号：A182    全宗名称：测试县人民政府');
    expect(readme).toContain('全宗号：A183    全宗名称：东村村民委员会');
    expect(readme).toContain('移交单位：测试县人民政府');
    expect(read('t1', 'bag-info.txt')).toContain('External-Identifier: A182-A183-T1-2025');
    const v2 = await exportTo(f.unit.V2.id, 'v2');
    expect(v2.report.failures.filter((x) => x.check === 'partial_class')).toEqual([]);
    expect(read('v2', '说明文件.TXT')).toContain('全宗号：A182    全宗名称：测试县人民政府');
  });
});
