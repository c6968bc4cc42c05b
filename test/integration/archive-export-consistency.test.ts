import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/ports/blob-store.js';
import { ResourceUnavailableError } from '../../src/errors.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { unconfirmArchive } from '../../src/usecases/unconfirm-archive.js';
import {
  changingAtFirstRead as changingAt,
  createArchiveFixture,
  minimalPdf,
  type ArchiveFixture,
} from './archive-fixtures.js';

/**
 * A package states its counts (封面, 备考表, 说明文件, 登记表) as read when the export began, and
 * writes its rows page by page after: the archivist confirming or withdrawing numbers meanwhile must
 * not give a package whose rows and counts disagree yet passes.
 */
describe('export while the archive changes', () => {
  let f: ArchiveFixture;
  let out: string;
  const deps = () => ({ db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs });
  const confirm = () =>
    confirmArchive(deps(), { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' });
  const fileDocs = async (n: number, from: number) => {
    for (let i = 0; i < n; i++)
      await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }], {
        title: `会议记录 ${from + i}`,
      });
  };
  /** The fixture's store, the export's first read held until `change` has run. */
  const changingAtFirstRead = (change: () => Promise<unknown>) => changingAt(f.blobs, change);
  /** The export of V1's 2025 records into `name`, one record per page and one at a time. */
  const exportV1 = (name: string, blobs: BlobStore = f.blobs) =>
    exportTransferPackage(
      {
        db: f.db,
        blobs,
        clock: f.clock,
        config: f.config,
        timeZone: 'Asia/Shanghai',
        pageSize: 1,
        concurrency: 1,
      },
      { unitId: f.unit.V1.id, year: 2025, outDir: join(out, name) },
    );
  const wsRows = async (dir: string) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, '其他', '归档文件目录.xlsx'));
    const sheet = wb.worksheets.find((w) => w.name.startsWith('WS'))!;
    const codes: string[] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) codes.push(String(row.getCell(2).value));
    });
    return codes;
  };

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-export-consistency-'));
    await fileDocs(3, 1);
    await confirm();
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('numbers confirmed during the export wait for the next one: rows and counts agree, the package passes', async () => {
    const change = changingAtFirstRead(async () => {
      await fileDocs(2, 4);
      await confirm();
    });
    const res = await exportV1('during-confirm', change.blobs);
    await change.done();
    expect(res.preCheck).toBe(false);
    // The two are neither in this package nor 未确认: they are told as confirmed during the export.
    expect([res.records, res.unconfirmed, res.confirmedDuring]).toEqual([3, 0, 2]);
    const dir = join(out, 'during-confirm');
    expect(await wsRows(dir)).toEqual([
      'A182-WS·2025-D30-ZH-0001',
      'A182-WS·2025-D30-ZH-0002',
      'A182-WS·2025-D30-ZH-0003',
    ]);
    expect(readFileSync(join(dir, '说明文件.TXT'), 'utf8')).toContain('档案数量：3 件');
    const ws = join(dir, '电子档案', '2025', 'WS');
    expect(readdirSync(ws).filter((n) => n.endsWith('.pdf'))).toHaveLength(3);
    // The next export has all five.
    const next = await exportV1('after-confirm');
    expect([next.records, next.confirmedDuring]).toEqual([5, 0]);
    expect(await wsRows(join(out, 'after-confirm'))).toHaveLength(5);
  });

  it('a number withdrawn during the export makes it a 预检包 naming the class, not a package that passes', async () => {
    const change = changingAtFirstRead(() =>
      unconfirmArchive(
        { db: f.db, clock: f.clock, timeZone: 'Asia/Shanghai' },
        { archivalCode: 'A182-WS·2025-D30-ZH-0004', actor: 'cli', source: 'cli' },
      ),
    );
    const res = await exportV1('during-withdraw', change.blobs);
    await change.done();
    expect(res.preCheck).toBe(true);
    const mismatch = res.report.failures.filter((x) => x.check === 'count_mismatch');
    expect(mismatch).toHaveLength(1);
    expect(mismatch[0]!.message).toContain('WS·2025-D30-ZH');
    expect(mismatch[0]!.message).toContain('停用 1');
    const row = res.report.table.find((r) => r.no === '2-1');
    expect(row?.result).toBe('不通过');
  });

  it('an export that fails (the store goes down mid-way) leaves no file of its package open, and no package', async () => {
    const down = changingAtFirstRead(async () => {
      throw new ResourceUnavailableError('store_unwritable', '对象存储不可用');
    });
    await expect(exportV1('store-down', down.blobs)).rejects.toThrow('对象存储不可用');
    const held = readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [readlinkSync(join('/proc/self/fd', fd))];
      } catch {
        return []; // closed while listed
      }
    });
    expect(held.filter((p) => p.includes('store-down'))).toEqual([]);
    expect(readdirSync(out).filter((n) => n.startsWith('store-down'))).toEqual([]);
  });
});
