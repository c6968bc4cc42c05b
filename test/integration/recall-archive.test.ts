import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { checkFourProperties } from '../../src/usecases/check-four-properties.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { recallEvent } from '../support/events.js';
import type { Harness } from '../support/harness.js';
import {
  createArchiveFixture,
  startArchiveHarness,
  minimalPdf,
  photoJpeg,
  type ArchiveFixture,
} from './archive-fixtures.js';

/**
 * A recalled file of a confirmed 件 leaves the archive: the county's package, the 四性 check's counts
 * and the catalogue no longer hold it; a 件 left without any file is undone and its 档号 withdrawn.
 * The recall comes in through the webhook (fake Lark, real SDK), the package is written to real files.
 */
describe('a recalled file leaves the confirmed archive, the export and the 四性 check', () => {
  let f: ArchiveFixture;
  let h: Harness;
  let out: string;
  let photoItem: number;
  let docItem: number;

  const messagesOf = async (itemId: number) =>
    (
      await queryRows<{ message_id: string; chat_id: string; sha256: string }>(
        f.db,
        sql`select m.message_id, m.chat_id, m.sha256 from filing_item_materials fim
            join materials m on m.id = fim.material_id where fim.item_id = ${itemId} order by fim.position`,
      )
    ).map((r) => ({ messageId: r.message_id, chatId: r.chat_id, sha256: r.sha256 }));
  const check = () =>
    checkFourProperties(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025 },
    );
  const exportV1 = (name: string) =>
    exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: join(out, name), layout: 'bag' },
    );
  /** The bag's payload manifest: the SHA-256 of every file it carries. */
  const packaged = (result: { outDir: string }) =>
    readFileSync(join(result.outDir, 'manifest-sha256.txt'), 'utf8');
  /** The kinds of failure (errors) a report names. */
  const errorChecks = (r: Awaited<ReturnType<typeof check>>) =>
    [...new Set(r.failures.filter((x) => x.severity === 'error').map((x) => x.check))].sort();
  let before: { files: number; checked: number; errors: string[] };
  /** The direct messages the archivist (钱档案, of the township above 东村) got. */
  const toArchivist = () =>
    h.fake
      .sentMessages()
      .filter((m) => m.receiveId === 'ou_archivist')
      .map((m) => (m.content as { text: string }).text);
  const codeOf = async (itemId: number) =>
    (
      await queryRows<{ code: string }>(
        f.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} order by id desc limit 1`,
      )
    )[0]!.code;

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'recall-archive-'));
    h = await startArchiveHarness(f);
    photoItem = await f.fileItem(f.task.photo, [
      { bytes: await photoJpeg({ color: '#468' }), kind: 'photo', mime: 'image/jpeg' },
      { bytes: await photoJpeg({ color: '#a42' }), kind: 'photo', mime: 'image/jpeg' },
    ]);
    docItem = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf', name: '户主身份证.pdf' },
    ]);
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
  });
  afterAll(async () => {
    await h.close();
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('before: both 件 and their three files are in the package and the check', async () => {
    const report = await check();
    expect(report.totals.files).toBe(3);
    const res = await exportV1('before');
    for (const item of [photoItem, docItem])
      for (const m of await messagesOf(item)) expect(packaged(res)).toContain(m.sha256);
    before = { files: res.files, checked: report.totals.files, errors: errorChecks(report) };
  });

  it('a photo recalled out of a confirmed group: the group keeps its 档号 and the other photo only', async () => {
    const [keep, wrong] = await messagesOf(photoItem);
    const res = await h.post(
      recallEvent({ appId: h.fake.appId, messageId: wrong!.messageId, chatId: wrong!.chatId }),
    );
    expect(res.status).toBe(200);
    await h.settle();
    expect(await messagesOf(photoItem)).toEqual([keep]);
    const [counts] = await queryRows<{ n_photo: number; undone: boolean }>(
      f.db,
      sql`select n_photo, undone_at is not null as undone from filing_items where id = ${photoItem}`,
    );
    expect(counts).toEqual({ n_photo: 1, undone: false });
    // The archivist learns that a confirmed 件 changed, and which.
    expect(toArchivist()).toEqual([
      expect.stringMatching(
        new RegExp(
          `已确认归档的 ${await codeOf(photoItem)}（.+）有 1 个文件被发送人撤回，.*还剩 1 个文件，档号不变，页数改为 1`,
        ),
      ),
    ]);

    const report = await check();
    expect(report.totals.files).toBe(2);
    expect(errorChecks(report)).toEqual(before.errors);
    const pkg = await exportV1('after-photo');
    expect(pkg.files).toBeLessThan(before.files);
    expect(packaged(pkg)).not.toContain(wrong!.sha256);
    expect(packaged(pkg)).toContain(keep!.sha256);
  });

  it('the only file of a confirmed 件 recalled: the 件 is undone, its 档号 withdrawn, nothing of it exported', async () => {
    const [[doc], [record]] = await Promise.all([
      messagesOf(docItem),
      queryRows<{ code: string }>(
        f.db,
        sql`select archival_code as code from archive_records where item_id = ${docItem} and status = 'confirmed'`,
      ),
    ]);
    const res = await h.post(
      recallEvent({
        appId: h.fake.appId,
        messageId: doc!.messageId,
        chatId: doc!.chatId,
        recallType: 'group_manager',
      }),
    );
    expect(res.status).toBe(200);
    await h.settle();
    const [item] = await queryRows<{ undone: boolean; by: string }>(
      f.db,
      sql`select undone_at is not null as undone, undone_by as by from filing_items where id = ${docItem}`,
    );
    expect(item).toEqual({ undone: true, by: 'lark:group_manager' });
    const [withdrawn] = await queryRows<{ status: string; reason: string }>(
      f.db,
      sql`select status, withdrawn_reason as reason from archive_records where archival_code = ${record!.code}`,
    );
    expect(withdrawn).toEqual({ status: 'withdrawn', reason: '材料已撤回' });
    expect(toArchivist()).toHaveLength(2);
    expect(toArchivist()[1]).toContain(`已确认归档的 ${record!.code}`);
    expect(toArchivist()[1]).toContain('的文件都被群管理员撤回，这件已撤下，档号已停用');
    const audit = await queryRows<{ action: string }>(
      f.db,
      sql`select action from audit_log where item_id = ${docItem} and action in ('recall', 'unconfirm') order by id`,
    );
    expect(audit.map((a) => a.action).sort()).toEqual(['recall', 'unconfirm']);

    const report = await check();
    expect(report.totals).toMatchObject({ withdrawn: 1, files: 1 });
    expect(errorChecks(report)).toEqual(before.errors);
    const pkg = await exportV1('after-doc');
    // The catalogue keeps the retired number (marked 停用), with no file behind it.
    expect(pkg).toMatchObject({ records: 2, withdrawn: 1 });
    expect(pkg.files).toBeLessThan(before.files - 1);
    expect(packaged(pkg)).not.toContain(doc!.sha256);
    // Its 备注 says why the number has no file: the bot withdrew it because the files were recalled.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(pkg.catalogueXlsx);
    const rows: string[][] = [];
    for (const ws of wb.worksheets)
      ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    expect(rows.find((r) => r[1] === record!.code)?.[8]).toBe(
      '件号停用：2026-01-10，材料已撤回，撤销归档确认',
    );
  });
});
