import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage, type ExportResult } from '../../src/usecases/export-transfer-package.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';

/** A worksheet's cells as text, row by row (empty cells as ''). */
function sheetRows(sheet: ExcelJS.Worksheet): string[][] {
  const rows: string[][] = [];
  sheet.eachRow((row) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = cell.value === null || cell.value === undefined ? '' : String(cell.value);
    });
    rows.push(Array.from(cells, (v) => v ?? ''));
  });
  return rows;
}

/**
 * 一户一卷: two households of 东村 with records in two 门类 (a 文书 申请书 and 收入核算表, a 照片组 of the
 * house) and a village record that belongs to no household; the package's 其他/一户一卷卷内目录.xlsx is
 * read back.
 */
describe('export: one virtual volume per household (一户一卷)', () => {
  let f: ArchiveFixture;
  let out: string;
  let res: ExportResult;
  let noVolumes: ExportResult;

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-volume-'));
    const now = f.clock.now();
    const households: Record<'zhang' | 'li', number> = {} as never;
    for (const [key, code, head, group] of [
      ['zhang', '003', '张三', '一组'],
      ['li', '012', '李四', null],
    ] as const) {
      const [h] = await queryRows<{ id: number }>(
        f.db,
        sql`insert into households (unit_id, code, head_name, group_name, created_at, updated_at)
            values (${f.unit.V1.id}, ${code}, ${head}, ${group}, ${now}, ${now}) returning id::int as id`,
      );
      households[key] = Number(h!.id);
    }
    const [camp] = await queryRows<{ id: number }>(f.db, sql`select id::int as id from campaigns limit 1`);
    const task = async (
      household: number,
      itemCode: string,
      pos: number,
      title: string,
      cls: string,
      retention: string,
      kind: 'document' | 'photo',
    ) => {
      const [t] = await queryRows<{ id: number }>(
        f.db,
        sql`insert into tasks (campaign_id, unit_id, household_id, item_code, code, position, title, class, retention,
              kinds, archive_as, min_count, keywords, due_at, responsible, created_at)
            values (${Number(camp!.id)}, ${f.unit.V1.id}, ${household}, ${itemCode}, ${`${itemCode}-${household}`},
              ${pos}, ${title}, ${cls}, ${retention}, ${`{${kind}}`}::text[], ${kind}, 1, '{}'::text[], ${now},
              '{}'::text[], ${now}) returning id::int as id`,
      );
      return Number(t!.id);
    };
    const pdf = (name: string, pages = 1) => ({
      bytes: minimalPdf(pages),
      kind: 'document' as const,
      mime: 'application/pdf',
      name,
    });
    // Filed in the opposite order of the checklist: the volume still lists H01 first.
    const zIncome = await task(households.zhang, 'H09', 9, '年度收入核算表', '精准施策类', 'D30', 'document');
    await f.fileItem(zIncome, [pdf('2025年收入核算表张三.pdf', 2)]);
    const zHouse = await task(households.zhang, 'H12', 12, '危房改造照片', '精准施策类', 'Y', 'photo');
    await f.fileItem(zHouse, [
      {
        bytes: await photoJpeg({ taken: '2025:05:21 09:00:00' }),
        kind: 'photo',
        mime: 'image/jpeg',
        takenAt: new Date('2025-05-21T01:00:00Z'),
      },
      {
        bytes: await photoJpeg({ taken: '2025:05:21 09:05:00', color: '#a86' }),
        kind: 'photo',
        mime: 'image/jpeg',
        takenAt: new Date('2025-05-21T01:05:00Z'),
      },
    ]);
    const zApply = await task(households.zhang, 'H01', 1, '贫困户申请书', '精准识别类', 'Y', 'document');
    await f.fileItem(zApply, [pdf('张三贫困户申请书.pdf', 3)]);
    const lApply = await task(households.li, 'H01', 1, '贫困户申请书', '精准识别类', 'Y', 'document');
    await f.fileItem(lApply, [pdf('李四贫困户申请书.pdf')]);
    // The village's own record is in no household's volume.
    await f.fileItem(f.task.doc, [pdf('关于开展脱贫攻坚普查工作的通知.pdf')]);
    await f.fileItem(f.task.v2doc, [pdf('西村会议记录.pdf')]);
    const deps = { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs };
    await confirmArchive(deps, { unitId: f.unit.T1.id, year: 2025, actor: 'cli', source: 'cli' });
    const exportDeps = {
      db: f.db,
      blobs: f.blobs,
      clock: f.clock,
      config: f.config,
      timeZone: 'Asia/Shanghai',
    };
    res = await exportTransferPackage(exportDeps, {
      unitId: f.unit.V1.id,
      year: 2025,
      outDir: join(out, 'v1'),
    });
    noVolumes = await exportTransferPackage(exportDeps, {
      unitId: f.unit.V2.id,
      year: 2025,
      outDir: join(out, 'v2'),
    });
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('lists each household once on the 卷目录 sheet, with its 门类, 件数 and the longest 保管期限', async () => {
    expect(res.preCheck).toBe(false);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'v1', '其他', '一户一卷卷内目录.xlsx'));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['卷目录', '东村-003 张三户', '东村-012 李四户']);
    const index = sheetRows(wb.getWorksheet('卷目录')!);
    expect(index[0]).toEqual([
      '序号',
      '村',
      '户号',
      '户主',
      '村民小组',
      '件数',
      '页数',
      '门类',
      '保管期限',
      '控制标识',
      '工作表',
    ]);
    expect(index.slice(1)).toEqual([
      ['1', '东村', '003', '张三', '一组', '3', '7', '文书、照片', '永久', '控制', '东村-003 张三户'],
      ['2', '东村', '012', '李四', '', '1', '1', '文书', '永久', '控制', '东村-012 李四户'],
    ]);
  });

  it('each household sheet is its 卷内目录 across classes in checklist order, with a 卷内备考表', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'v1', '其他', '一户一卷卷内目录.xlsx'));
    const rows = sheetRows(wb.getWorksheet('东村-003 张三户')!);
    expect(rows[0]).toEqual(['序号', '档号', '责任者', '题名', '日期', '页数', '备注']);
    const entries = rows.slice(1, 4);
    expect(entries.map((r) => r[0])).toEqual(['1', '2', '3']);
    // H01 申请书 (文书, 永久), H09 收入核算表 (文书, 30年), H12 照片组: the checklist's order, two 门类.
    expect(entries[0]!.slice(1, 4)).toEqual(['A182-WS·2025-Y-SB-0001', '东村', '张三贫困户申请书']);
    expect(entries[0]![5]).toBe('3');
    expect(entries[1]!.slice(1, 4)).toEqual(['A182-WS·2025-D30-QT-0001', '东村', '2025年收入核算表张三']);
    expect(entries[1]![5]).toBe('2');
    expect(entries[2]![1]).toBe('A182-ZP·2025-Y-0001');
    expect(entries[2]![4]).toBe('20250521');
    expect(entries[2]![6]).toBe('照片2张');
    // Nothing of the village's own, nor of the other household.
    const codes = rows.map((r) => r[1]);
    expect(codes).not.toContain('A182-WS·2025-D30-ZH-0001');
    expect(codes.filter((c) => c?.startsWith('A182-')).length).toBe(3);
    expect(rows.map((r) => r[1])).toEqual(
      expect.arrayContaining(['卷内备考表', '本卷情况说明', '立卷人：', '检查人：', '立卷时间：']),
    );
    const note = rows.find((r) => r[1] === '本卷情况说明')!;
    expect(note[3]).toContain('本卷共 3 件（文书、照片），页数合计 7');
    const li = sheetRows(wb.getWorksheet('东村-012 李四户')!);
    expect(li[1]!.slice(0, 4)).toEqual(['1', 'A182-WS·2025-Y-SB-0002', '东村', '李四贫困户申请书']);
  });

  it('prints each volume on its own: A4 landscape, header row repeated, pages from 1 naming the household, 宋体 and borders', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'v1', '其他', '一户一卷卷内目录.xlsx'));
    const ws = wb.getWorksheet('东村-003 张三户')!;
    expect(ws.pageSetup).toMatchObject({
      paperSize: 9,
      orientation: 'landscape',
      fitToWidth: 1,
      firstPageNumber: 1,
      printTitlesRow: '1:1',
    });
    expect(ws.headerFooter.oddHeader).toContain('卷内目录  东村 一组 张三户（户号 003）');
    expect(ws.headerFooter.oddHeader).toContain('永久');
    expect(ws.headerFooter.oddFooter).toContain('卷内目录 东村-003 张三户');
    expect(ws.headerFooter.oddFooter).toContain('&P');
    const widths = ws.columns.map((c) => c.width ?? 0);
    expect(widths.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(140);
    for (let n = 1; n <= 4; n++)
      for (let i = 1; i <= 7; i++) {
        const cell = ws.getRow(n).getCell(i);
        expect(cell.font?.name, cell.address).toBe('宋体');
        expect(cell.border?.top?.style).toBe('thin');
        expect(cell.alignment?.wrapText).toBe(true);
      }
    expect(ws.getRow(1).getCell(4).font?.bold).toBe(true);
  });

  it('说明文件 names the volumes and the workbook is in the fixity list; a package without households has none', () => {
    const readme = readFileSync(join(out, 'v1', '说明文件.TXT'), 'utf8');
    expect(readme).toContain('一户一卷：2 户');
    expect(readme).toContain('其他/一户一卷卷内目录.xlsx');
    const fixity = readFileSync(join(out, 'v1', '其他', '数字摘要清单.TXT'), 'utf8');
    expect(fixity).toContain('其他/一户一卷卷内目录.xlsx');
    expect(noVolumes.preCheck).toBe(false);
    expect(() => readFileSync(join(out, 'v2', '其他', '一户一卷卷内目录.xlsx'))).toThrow();
    expect(readFileSync(join(out, 'v2', '说明文件.TXT'), 'utf8')).not.toContain('一户一卷');
  });
});
