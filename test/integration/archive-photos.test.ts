import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { describeItem } from '../../src/usecases/describe-item.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import {
  createArchiveFixture,
  minimalPdf,
  photoJpeg,
  validateAgainstPackageSchema,
  type ArchiveFixture,
} from './archive-fixtures.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Photos per DA/T 50: 照片号 (组号-张号), per-photo 说明 and 背景, 参见号 to the same task's 文书. */
describe('export: photos per DA/T 50', () => {
  let f: ArchiveFixture;
  let out: string;
  const photos: Buffer[] = [];

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-photos-'));
    for (const color of ['#123', '#456', '#789'])
      photos.push(await photoJpeg({ taken: '2025:05:20 10:30:00', color }));
    const day = new Date('2025-05-20T02:00:00Z');
    const group = await f.fileItem(
      f.task.photo,
      photos.map((bytes) => ({
        bytes,
        kind: 'photo' as const,
        mime: 'image/jpeg',
        takenAt: new Date('2025-05-20T02:30:00Z'),
        sentAt: day,
      })),
      { title: '贫困户识别结果公示' },
    );
    // The third photo came with its own text (a post); the first with the burst's caption.
    const ids = (
      await queryRows<{ id: number }>(
        f.db,
        sql`select material_id::int as id from filing_item_materials where item_id = ${group} order by position`,
      )
    ).map((r) => Number(r.id));
    await f.db.execute(sql`update materials set caption = '贫困户识别结果公示' where id = ${ids[0]!}`);
    await f.db.execute(sql`update materials set caption = '公示栏近景：名单张贴' where id = ${ids[2]!}`);
    const deps = { db: f.db, clock: f.clock };
    await describeItem(deps, {
      itemId: group,
      reason: '识别结果公示',
      background: '2025年度贫困户动态调整',
      actor: 'cli',
      source: 'cli',
    });
    await describeItem(deps, {
      itemId: group,
      photo: 2,
      note: '村民查看公示名单',
      background: '公示期第一天',
      actor: 'cli',
      source: 'cli',
    });
    // The 文书 of the same task and day (the 公示 notice itself), and one of another task.
    await f.fileItem(f.task.photo, [
      {
        bytes: minimalPdf(1),
        kind: 'document',
        mime: 'application/pdf',
        name: '识别结果公示.pdf',
        sentAt: day,
      },
    ]);
    await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf', name: '会议记录.pdf', sentAt: day },
    ]);
    await confirmArchive(
      { ...deps, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    const res = await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: out },
    );
    expect(res.preCheck).toBe(false);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('refuses a 张号 the group does not have, and a photo note on a document', async () => {
    const [row] = await queryRows<{ id: number }>(
      f.db,
      sql`select id::int as id from filing_items where kind = 'document' limit 1`,
    );
    await expect(
      describeItem(
        { db: f.db, clock: f.clock },
        { itemId: Number(row!.id), photo: 1, note: 'x', actor: 'cli', source: 'cli' },
      ),
    ).rejects.toThrow(/没有第 1 张/);
  });

  it('names each photo by its 照片号 (组号-张号), original bytes', () => {
    const zp = join(out, '电子档案', '2025', 'ZP');
    expect(readdirSync(zp).sort()).toEqual([
      'A182-ZP·2025-Y-0001-0001.jpg',
      'A182-ZP·2025-Y-0001-0002.jpg',
      'A182-ZP·2025-Y-0001-0003.jpg',
      'A182-ZP·2025-Y-0001.xml',
    ]);
    photos.forEach((bytes, i) =>
      expect(sha256(readFileSync(join(zp, `A182-ZP·2025-Y-0001-000${i + 1}.jpg`)))).toBe(sha256(bytes)),
    );
  });

  it('the metadata gives each photo its 照片号, 说明, 背景 and 参见号, and the 文书 refers back (schema-valid)', async () => {
    const metaPath = join(out, '电子档案', '2025', 'ZP', 'A182-ZP·2025-Y-0001.xml');
    const xml = readFileSync(metaPath, 'utf8');
    const doc = new XMLParser({ isArray: (name) => ['照片', '参见号'].includes(name) }).parse(xml);
    const desc = doc['电子文件']['文件实体']['内容描述'];
    // The same task's 文书 of that day; not the other task's minutes.
    expect(desc['参见号']).toEqual(['A182-WS·2025-Y-SB-0001']);
    const group = desc['照片说明'];
    expect(group['背景']).toBe('2025年度贫困户动态调整');
    const groupTitle = '识别结果公示（2025年5月20日，东村）';
    expect(
      group['照片'].map((p: any) => [p['照片号'], p['张号'], p['计算机文件名'], p['说明'], p['背景']]),
    ).toEqual([
      // No note of its own, and its caption is the group's: the group's 说明.
      ['A182-ZP·2025-Y-0001-0001', 1, 'A182-ZP·2025-Y-0001-0001.jpg', groupTitle, '2025年度贫困户动态调整'],
      ['A182-ZP·2025-Y-0001-0002', 2, 'A182-ZP·2025-Y-0001-0002.jpg', '村民查看公示名单', '公示期第一天'],
      [
        'A182-ZP·2025-Y-0001-0003',
        3,
        'A182-ZP·2025-Y-0001-0003.jpg',
        '公示栏近景：名单张贴',
        '2025年度贫困户动态调整',
      ],
    ]);
    for (const p of group['照片']) {
      expect(p['参见号']).toEqual(['A182-WS·2025-Y-SB-0001']);
      expect(p['时间']).toBe('2025年5月20日');
    }
    const wsMeta = readFileSync(join(out, '电子档案', '2025', 'WS', 'A182-WS·2025-Y-SB-0001.xml'), 'utf8');
    expect(wsMeta).toContain('<参见号>A182-ZP·2025-Y-0001</参见号>');
    const other = readFileSync(join(out, '电子档案', '2025', 'WS', 'A182-WS·2025-D30-ZH-0001.xml'), 'utf8');
    expect(other).not.toContain('<参见号>');

    const res = await validateAgainstPackageSchema(out, '电子文件元数据.xsd', [
      metaPath,
      join(out, '电子档案', '2025', 'WS', 'A182-WS·2025-Y-SB-0001.xml'),
    ]);
    expect(res.errors.map((e) => e.rawMessage)).toEqual([]);
  });

  it('the catalogue has a 照片目录 with one row per photo', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, '其他', '归档文件目录.xlsx'));
    const ws = wb.getWorksheet('ZP·2025-Y 照片目录')!;
    expect(ws).toBeDefined();
    const rows: string[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    expect(rows[0]).toEqual(['序号', '照片号', '说明', '时间', '摄影者', '背景', '参见号']);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2], r[3], r[6]])).toEqual([
      [
        '1',
        'A182-ZP·2025-Y-0001-0001',
        '识别结果公示（2025年5月20日，东村）',
        '20250520',
        'A182-WS·2025-Y-SB-0001',
      ],
      ['2', 'A182-ZP·2025-Y-0001-0002', '村民查看公示名单', '20250520', 'A182-WS·2025-Y-SB-0001'],
      ['3', 'A182-ZP·2025-Y-0001-0003', '公示栏近景：名单张贴', '20250520', 'A182-WS·2025-Y-SB-0001'],
    ]);
    expect(ws.headerFooter.oddFooter).toContain('照片目录 ZP·2025-Y');
    expect(ws.getCell('B2').font?.name).toBe('宋体');
  });
});
