import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandVirusScanner } from '../../src/archive/virus-scan.js';
import { queryRows } from '../../src/db/client.js';
import type { CheckFailure, FourPropertiesReport } from '../../src/domain/four-properties.js';
import { checkFourProperties } from '../../src/usecases/check-four-properties.js';
import { runFourPropertiesCheck } from '../../src/usecases/check-four-properties-run.js';
import { findRun } from '../../src/usecases/four-properties-run-folder.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';

/** A PNG whose header declares width × height pixels, followed by no real image data (a few bytes). */
function hugePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const pdf = (tag: string) => ({
  bytes: minimalPdf(1, Buffer.from(`BT (${tag}) Tj ET`)),
  kind: 'document' as const,
  mime: 'application/pdf',
});

describe('四性 check (DA/T 70)', () => {
  let f: ArchiveFixture;
  let reportsDir: string;
  const items: Record<string, number> = {};
  const codeOf = async (itemId: number) =>
    (
      await queryRows<{ code: string }>(
        f.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
      )
    )[0]!.code;
  const keyOf = async (itemId: number) =>
    (
      await queryRows<{ key: string }>(
        f.db,
        sql`select m.storage_key as key from filing_item_materials fim join materials m on m.id = fim.material_id
            where fim.item_id = ${itemId} order by fim.position limit 1`,
      )
    )[0]!.key;
  const check = (virus?: string): Promise<FourPropertiesReport> =>
    checkFourProperties({
      db: f.db,
      blobs: f.blobs,
      clock: f.clock,
      config: f.config,
      timeZone: 'Asia/Shanghai',
      virusScan: virus ? commandVirusScanner(virus) : undefined,
    });
  /** 确认归档 of 东村's 2025 items, as the archivist's command does. */
  const confirm = () =>
    confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
  const errors = (r: FourPropertiesReport) => r.failures.filter((x) => x.severity === 'error');
  const find = (r: FourPropertiesReport, check: CheckFailure['check']) =>
    r.failures.filter((x) => x.check === check);

  beforeAll(async () => {
    f = await createArchiveFixture();
    reportsDir = mkdtempSync(join(tmpdir(), 'archive-4p-'));
    for (const name of ['flip', 'gone', 'gap', 'after', 'audit', 'virus']) {
      items[name] = await f.fileItem(f.task.doc, [pdf(name === 'virus' ? 'EICAR-TEST-SIGNATURE' : name)]);
    }
    items.photo = await f.fileItem(f.task.photo, [
      {
        bytes: await photoJpeg({ taken: '2025:05:20 10:30:00' }),
        kind: 'photo',
        mime: 'image/jpeg',
        takenAt: new Date('2025-05-20T02:30:00Z'),
      },
    ]);
    await confirm();
  });
  afterAll(async () => {
    rmSync(reportsDir, { recursive: true, force: true });
    await f.close();
  });

  it('passes on an intact archive (photo description gaps are warnings only)', async () => {
    const r = await check();
    expect(errors(r)).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.totals).toMatchObject({ records: 7, files: 7 });
    expect(find(r, 'description_gap').map((x) => x.itemId)).toEqual([items.photo]);
  });

  it('reports a flipped byte, a deleted file and a gap in 件号, each with its item; fixes nothing', async () => {
    const flipPath = f.blobs.pathOf(await keyOf(items.flip!));
    const bytes = readFileSync(flipPath);
    bytes[bytes.length - 40]! ^= 0x01;
    chmodSync(flipPath, 0o644);
    writeFileSync(flipPath, bytes);
    const gonePath = f.blobs.pathOf(await keyOf(items.gone!));
    unlinkSync(gonePath);
    const gapCode = await codeOf(items.gap!);
    await f.db.execute(sql`delete from audit_log where item_id = ${items.gap} and action = 'confirm'`);
    await f.db.execute(sql`delete from archive_records where item_id = ${items.gap}`);
    await f.db.execute(sql`delete from audit_log where item_id = ${items.audit} and action = 'file'`);
    const orphan = f.blobs.pathOf(`blobs/ff/ff/${'f'.repeat(64)}`);
    mkdirSync(dirname(orphan), { recursive: true });
    writeFileSync(orphan, 'stray');

    const run = await runFourPropertiesCheck(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      {},
      reportsDir,
    );
    const r = run.report;
    expect(r.passed).toBe(false);
    const flip = find(r, 'hash_mismatch');
    expect(flip).toHaveLength(1);
    expect(flip[0]).toMatchObject({
      property: 'authenticity',
      itemId: items.flip,
      archivalCode: await codeOf(items.flip!),
    });
    const gone = find(r, 'file_missing');
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatchObject({
      property: 'integrity',
      itemId: items.gone,
      archivalCode: await codeOf(items.gone!),
    });
    const gap = find(r, 'number_gap');
    expect(gap).toHaveLength(1);
    expect(gap[0]!.archivalCode).toBe(gapCode);
    expect(gap[0]!.message).toContain(gapCode);
    expect(find(r, 'audit_missing').map((x) => x.itemId)).toEqual([items.audit]);
    expect(find(r, 'orphan_file').map((x) => x.file)).toEqual([`blobs/ff/ff/${'f'.repeat(64)}`]);
    expect(r.summary.authenticity.failed).toBeGreaterThanOrEqual(1);

    // The corrupt file is still corrupt and the missing one still missing: nothing was "fixed".
    expect(readFileSync(flipPath).equals(bytes)).toBe(true);
    expect(() => readFileSync(gonePath)).toThrow();

    // Report files: JSON and Excel list every failure with its item.
    const json = JSON.parse(readFileSync(run.json, 'utf8'));
    expect(json.failures).toHaveLength(r.failures.length);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(run.xlsx);
    const list = wb.getWorksheet('问题清单')!;
    expect(list.rowCount).toBe(r.failures.length + 1);
    const codes: string[] = [];
    list.eachRow((row, n) => n > 1 && codes.push(String(row.getCell(5).value ?? '')));
    expect(codes).toContain(await codeOf(items.flip!));
    expect(codes).toContain(gapCode);
  });

  it('runs the virus-scan hook when configured and reports what it finds', async () => {
    const r = await check('grep -q EICAR-TEST {file} && exit 1 || exit 0');
    expect(r.virusScan).toBe('ran');
    const found = find(r, 'virus_found');
    expect(found.map((x) => x.itemId)).toEqual([items.virus]);
    const broken = await check('exit 7');
    expect(find(broken, 'virus_scan_failed').length).toBeGreaterThan(0);
  });

  it('flags formats off the allow-list, undecodable images and unparseable PDFs', async () => {
    const png = await photoJpeg();
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    const bad = await f.fileItem(f.task.doc, [
      {
        bytes: Buffer.from('just some text, not an archival format'),
        kind: 'document',
        mime: 'text/plain',
        name: 'a.txt',
      },
      { bytes: minimalPdf(1).subarray(0, 200), kind: 'document', mime: 'application/pdf' },
      { bytes: truncated, kind: 'photo', mime: 'image/jpeg' },
    ]);
    await confirm();
    const r = await check();
    expect(find(r, 'format_not_allowed').map((x) => x.itemId)).toEqual([bad]);
    expect(find(r, 'pdf_unparseable').map((x) => x.itemId)).toEqual([bad]);
    expect(find(r, 'image_undecodable').map((x) => x.itemId)).toEqual([bad]);
  });

  it('reports an image declaring 100000×100000 pixels instead of decoding it (image_too_large)', async () => {
    const item = await f.fileItem(f.task.photo, [
      { bytes: hugePng(100_000, 100_000), kind: 'photo', mime: 'image/png' },
    ]);
    await confirm();
    const r = await check();
    const huge = find(r, 'image_too_large');
    expect(huge.map((x) => x.itemId)).toEqual([item]);
    expect(huge[0]).toMatchObject({ property: 'usability', severity: 'error' });
    expect(huge[0]!.message).toContain('100000×100000');
    expect(find(r, 'image_undecodable').filter((x) => x.itemId === item)).toEqual([]);
  });

  it('reports a file whose hash was never recorded (hash_missing), instead of skipping it', async () => {
    const item = await f.fileItem(f.task.doc, [pdf('no-hash')]);
    await confirm();
    await f.db.execute(
      sql`update materials set sha256 = null
          where id in (select material_id from filing_item_materials where item_id = ${item})`,
    );
    const r = await check();
    const missing = find(r, 'hash_missing');
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({
      property: 'authenticity',
      severity: 'error',
      itemId: item,
      archivalCode: await codeOf(item),
    });
    expect(r.passed).toBe(false);
  });

  it('names an unsaved file by its status in words (需重新上传), in the report files and the 移交 package', async () => {
    const item = await f.fileItem(f.task.doc, [pdf('unsaved')]);
    await confirm();
    // Its bytes never arrived (Lark refused them): nothing stored, the sender asked to send it again.
    await f.db.execute(
      sql`update materials set status = 'needs_reupload', storage_key = null, sha256 = null
          where id in (select material_id from filing_item_materials where item_id = ${item})`,
    );
    const deps = { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' };
    const run = await runFourPropertiesCheck(deps, {}, join(reportsDir, 'unsaved'));
    const unsaved = find(run.report, 'file_missing').filter((x) => x.itemId === item);
    expect(unsaved.map((x) => x.message)).toEqual(['材料未保存（需重新上传）']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(run.xlsx);
    const cells: string[] = [];
    wb.getWorksheet('问题清单')!.eachRow((row) => row.eachCell((c) => cells.push(String(c.value ?? ''))));
    expect(cells).toContain('材料未保存（需重新上传）');
    expect(cells.join('\n')).not.toContain('needs_reupload');

    const exported = await exportTransferPackage(deps, {
      unitId: f.unit.V1.id,
      year: 2025,
      outDir: join(reportsDir, 'package'),
    });
    const left = exported.report.failures.filter((x) => x.check === 'file_missing' && x.itemId === item);
    expect(left.map((x) => x.message)).toEqual(['材料未保存（需重新上传），未放入移交包']);
  });

  it('two runs in the same second each get a folder of their own, found by its id with the scope it checked', async () => {
    const deps = { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' };
    const dir = join(reportsDir, 'same-second');
    const whole = await runFourPropertiesCheck(deps, {}, dir);
    const village = await runFourPropertiesCheck(deps, { unitId: f.unit.V1.id, year: 2025 }, dir);
    // The clock stood still: the second run did not write its report over the first's.
    expect(village.id).toBe(`${whole.id}-2`);
    expect(village.dir).not.toBe(whole.dir);
    expect(JSON.parse(readFileSync(whole.json, 'utf8')).scope).toEqual({});
    expect(await findRun(dir, whole.id)).toEqual({ id: whole.id, scope: {}, xlsx: whole.xlsx });
    expect(await findRun(dir, village.id)).toEqual({
      id: village.id,
      scope: { unitId: f.unit.V1.id, year: 2025 },
      xlsx: village.xlsx,
    });
    for (const id of [`${whole.id}-3`, `../same-second/四性检测-${whole.id}`, `${whole.id}/..`, 7, undefined])
      expect(await findRun(dir, id)).toBeUndefined();
  });
  it('a large scan without EXIF is named for its missing EXIF, not as compressed; a small photo asks for the original', async () => {
    const scan = await f.fileItem(f.task.photo, [
      {
        bytes: await sharp({ create: { width: 2480, height: 3508, channels: 3, background: '#fdfdfd' } })
          .jpeg()
          .toBuffer(),
        kind: 'photo',
        mime: 'image/jpeg',
      },
    ]);
    const small = await f.fileItem(f.task.photo, [
      {
        bytes: await sharp({ create: { width: 640, height: 480, channels: 3, background: '#345' } })
          .jpeg()
          .toBuffer(),
        kind: 'photo',
        mime: 'image/jpeg',
      },
    ]);
    await confirm();
    const r = await check();
    const of = (item: number) => find(r, 'photo_compressed').filter((x) => x.itemId === item);
    expect(of(scan).map((x) => [x.severity, x.message])).toEqual([
      ['warning', '照片无 EXIF 拍摄信息（扫描件、截图没有；拍摄的照片请用原图）'],
    ]);
    expect(of(small).map((x) => x.message)).toEqual([
      '照片640×480，不足 300 万像素，无 EXIF 拍摄信息（DA/T 50-2014 要求原图）',
    ]);
  });
});
