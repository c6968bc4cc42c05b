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
import { recallEvent } from '../support/events.js';
import type { Harness } from '../support/harness.js';
import {
  createArchiveFixture,
  startArchiveHarness,
  photoJpeg,
  validateAgainstPackageSchema,
  type ArchiveFixture,
} from './archive-fixtures.js';

/**
 * 照片号 (组号-张号) are archival identifiers: once a group is confirmed, a photo recalled (撤回) in Lark
 * leaves its 张号 unused and the photos after it keep theirs; the package says which 张号 is empty and
 * why (catalogue 备注, 照片目录, the item's 附注). A group never confirmed still numbers from 1.
 * The recall comes through the webhook (fake Lark, real SDK); the package is written to real files.
 */
describe('a photo recalled from a confirmed group leaves its 张号 unused', () => {
  let f: ArchiveFixture;
  let h: Harness;
  let out: string;
  let group: number;
  let loose: number;
  const code = 'A182-ZP·2025-Y-0001';

  const materialsOf = async (itemId: number) =>
    queryRows<{ id: number; message_id: string; chat_id: string }>(
      f.db,
      sql`select m.id::int as id, m.message_id, m.chat_id from filing_item_materials fim
          join materials m on m.id = fim.material_id where fim.item_id = ${itemId} order by fim.position`,
    );
  const recall = async (m: { message_id: string; chat_id: string }) => {
    const res = await h.post(
      recallEvent({ appId: h.fake.appId, messageId: m.message_id, chatId: m.chat_id }),
    );
    expect(res.status).toBe(200);
    await h.settle();
  };
  const rowsOf = (ws: ExcelJS.Worksheet) => {
    const rows: string[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    return rows;
  };

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'recall-photo-numbers-'));
    h = await startArchiveHarness(f);
    const photos = [];
    for (const color of ['#123', '#456', '#789']) photos.push(await photoJpeg({ color }));
    group = await f.fileItem(
      f.task.photo,
      photos.map((bytes) => ({ bytes, kind: 'photo' as const, mime: 'image/jpeg' })),
    );
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    // Filed after the confirmation: no 档号 yet, so nothing is fixed about its photos.
    loose = await f.fileItem(f.task.photo, [
      { bytes: await photoJpeg({ color: '#a11' }), kind: 'photo', mime: 'image/jpeg' },
      { bytes: await photoJpeg({ color: '#1a1' }), kind: 'photo', mime: 'image/jpeg' },
    ]);
    const [, second] = await materialsOf(group);
    await recall(second!);
    const [firstLoose] = await materialsOf(loose);
    await recall(firstLoose!);
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    const res = await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: out },
    );
    expect(res.preCheck).toBe(false);
  });
  afterAll(async () => {
    await h.close();
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('the photos after the recalled one keep their 照片号 (file names); a group confirmed after its recall numbers from 1', () => {
    expect(readdirSync(join(out, '电子档案', '2025', 'ZP')).sort()).toEqual([
      `${code}-0001.jpg`,
      `${code}-0003.jpg`,
      `${code}.xml`,
      'A182-ZP·2025-Y-0002-0001.jpg',
      'A182-ZP·2025-Y-0002.xml',
    ]);
  });

  it('the item metadata lists 张号 1 and 3 and states the unused 0002 in its 附注 (schema-valid)', async () => {
    const path = join(out, '电子档案', '2025', 'ZP', `${code}.xml`);
    const doc = new XMLParser({ isArray: (name) => name === '照片' }).parse(readFileSync(path, 'utf8'));
    const desc = doc['电子文件']['文件实体']['内容描述'];
    expect(desc['照片说明']['照片'].map((p: any) => [p['照片号'], p['张号']])).toEqual([
      [`${code}-0001`, 1],
      [`${code}-0003`, 3],
    ]);
    expect(desc['附注']).toBe('照片2张；已撤回照片：张号0002（2026-01-10），张号空缺不补');
    // 页数 (one per photo, counted at confirmation) follows the photos the group still holds.
    expect(doc['电子文件']['文件实体']['形式特征']['页数']).toBe(2);
    const res = await validateAgainstPackageSchema(out, '电子文件元数据.xsd', [path]);
    expect(res.errors.map((e) => e.rawMessage)).toEqual([]);
  });

  it('the catalogue row and the 照片目录 show the gap where the archive reads them', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, '其他', '归档文件目录.xlsx'));
    const photoRows = rowsOf(wb.getWorksheet('ZP·2025-Y 照片目录')!);
    expect(photoRows.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual([
      ['1', `${code}-0001`, expect.any(String)],
      ['2', `${code}-0002`, '照片已撤回（2026-01-10），张号空缺不补'],
      ['3', `${code}-0003`, expect.any(String)],
      ['4', 'A182-ZP·2025-Y-0002-0001', expect.any(String)],
    ]);
    const catalogue = readFileSync(join(out, '文件目录.XML'), 'utf8');
    expect(catalogue).toContain('<备注>照片2张；已撤回照片：张号0002（2026-01-10），张号空缺不补</备注>');
  });

  it('archive describe --photo 3 still names the third photo; --photo 2 says it was recalled', async () => {
    const [first, , third] = await queryRows<{ id: number }>(
      f.db,
      sql`select material_id::int as id from archive_photo_numbers pn
          join archive_records ar on ar.id = pn.record_id where ar.item_id = ${group} order by photo_number`,
    );
    await describeItem(
      { db: f.db, clock: f.clock },
      { itemId: group, photo: 3, note: '公示栏近景', actor: 'cli', source: 'cli' },
    );
    const notes = await queryRows<{ material_id: number }>(
      f.db,
      sql`select material_id::int as material_id from photo_notes where item_id = ${group}`,
    );
    expect(notes.map((n) => Number(n.material_id))).toEqual([Number(third!.id)]);
    expect(Number(first!.id)).not.toBe(Number(third!.id));
    await expect(
      describeItem(
        { db: f.db, clock: f.clock },
        { itemId: group, photo: 2, note: 'x', actor: 'cli', source: 'cli' },
      ),
    ).rejects.toThrow('第 2 张照片已被撤回（张号空缺不补），不用填写说明');
    await expect(
      describeItem(
        { db: f.db, clock: f.clock },
        { itemId: group, photo: 4, note: 'x', actor: 'cli', source: 'cli' },
      ),
    ).rejects.toThrow('这组照片没有第 4 张');
  });
});
