import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromPglite, openDb, queryRows, type Database, type Db } from '../../src/db/client.js';
import { unitProgress, unitProgressDirect } from '../../src/db/repos/completeness-progress.js';
import { migrate } from '../../src/db/migrate.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { describeItem } from '../../src/usecases/describe-item.js';
import { runCli, type ProcessResult } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { processUserName } from '../../src/process-user.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';

/**
 * `npm run cli -- archive split | merge | files` on a data folder with stored files: 移出 as the
 * compiled CLI in its own process, the rest through the same runCli in this process, on a real
 * database (the folder's PGlite, or PostgreSQL when TEST_DATABASE_URL is set). Asserted from the
 * database: which files each item holds and in what order, the task's filed count (a document task
 * counts one 份 per item holding photographed pages) and the stored progress counts against the direct
 * computation, the photo notes following their photo, the 著录 staying, the audit rows, and the
 * refusals (every file, another task, another unit, a live 档号) changing nothing.
 */
describe('archive split / merge from the command line', () => {
  let f: ArchiveFixture;
  let dataDir: string;
  let url: string | undefined;
  let db: Database;
  let docItem: number;
  let docFiles: number[];
  let groupItem: number;
  let groupFiles: number[];
  let v2Confirmed: number;
  let v2Other: number;
  let mixedItem: number;
  let splitOut: ProcessResult;

  const filesOf = async (d: Db, itemId: number) =>
    (
      await queryRows<{ id: number }>(
        d,
        sql`select material_id::int as id from filing_item_materials where item_id = ${itemId} order by position`,
      )
    ).map((r) => Number(r.id));
  const itemRow = async (d: Db, itemId: number) =>
    (
      await queryRows<{
        task_id: number;
        unit_id: number;
        kind: string;
        undone: boolean;
        burst_id: number | null;
      }>(
        d,
        sql`select task_id::int as task_id, unit_id::int as unit_id, kind, undone_at is not null as undone, burst_id
            from filing_items where id = ${itemId}`,
      )
    )[0];
  /** The task's filed figure by the one rule (task_filed), over its live items. */
  const filed = async (d: Db, taskId: number) =>
    Number(
      (
        await queryRows<{ n: number }>(
          d,
          sql`select task_filed(t.kind_mask, coalesce(sum(fi.n_photo), 0), coalesce(sum(fi.n_document), 0),
                coalesce(sum(fi.n_audio), 0), coalesce(sum(fi.n_video), 0), coalesce(sum(least(fi.n_photo, 1)), 0)) as n
              from tasks t left join filing_items fi on fi.task_id = t.id and fi.undone_at is null
              where t.id = ${taskId} group by t.kind_mask`,
        )
      )[0]!.n,
    );
  const liveItems = async (d: Db, taskId: number) =>
    Number(
      (
        await queryRows<{ n: number }>(
          d,
          sql`select count(*)::int as n from filing_items where task_id = ${taskId} and undone_at is null`,
        )
      )[0]!.n,
    );
  /** The stored progress counts (trigger-kept) equal the ones computed from tasks and items. */
  const countsRight = async (d: Db) => {
    const now = new Date('2025-06-02T00:00:00Z');
    for (const unit of Object.values(f.unit))
      expect(await unitProgress(d, unit.id, now)).toEqual(await unitProgressDirect(d, unit.id, now));
  };
  const notes = async (d: Db) =>
    queryRows<{ item_id: number; material_id: number; note: string }>(
      d,
      sql`select item_id::int as item_id, material_id::int as material_id, note from photo_notes order by material_id`,
    );
  const audits = async (d: Db, itemId: number) =>
    queryRows<{ action: string; actor: string; source: string; details: Record<string, unknown> }>(
      d,
      sql`select action, actor, source, details from audit_log
          where item_id = ${itemId} and action in ('split_out', 'split_from', 'merge_in', 'merged_into') order by id`,
    );
  const cli = (...args: string[]) =>
    cliInProcess(['archive', ...args], { DATA_DIR: dataDir, ...(url ? { DATABASE_URL: url } : {}) }, db);

  beforeAll(async () => {
    const postgres = Boolean(process.env.TEST_DATABASE_URL);
    dataDir = await seededDataDir('regroup-cli', { onPostgres: 'empty' });
    // PGlite: the fixture goes into the data folder's own database, closed before the process opens it.
    let database: TestDb;
    if (postgres) database = await createTestDb();
    else {
      const client = await PGlite.create(join(dataDir, 'pglite'));
      database = { ...fromPglite(client), shutDown: () => client.close() };
    }
    f = await createArchiveFixture({ on: { database, dataDir } });
    // Four photographed pages filed to the document task in one go: one 份 (photographed paper).
    const page = (color: string) => photoJpeg({ taken: '2025:05:20 10:30:00', color });
    docItem = await f.fileItem(f.task.doc, [
      { bytes: await page('#101'), kind: 'photo', mime: 'image/jpeg', name: '签到表1.jpg' },
      { bytes: await page('#202'), kind: 'photo', mime: 'image/jpeg', name: '签到表2.jpg' },
      { bytes: await page('#303'), kind: 'photo', mime: 'image/jpeg', name: '协议1.jpg' },
      { bytes: await page('#404'), kind: 'photo', mime: 'image/jpeg', name: '协议2.jpg' },
    ]);
    await describeItem(
      { db: f.db, clock: f.clock },
      { itemId: docItem, title: '村两委会议签到表', actor: 'cli', source: 'cli' },
    );
    groupItem = await f.fileItem(f.task.photo, [
      { bytes: await page('#515'), kind: 'photo', mime: 'image/jpeg' },
      { bytes: await page('#626'), kind: 'photo', mime: 'image/jpeg' },
      { bytes: await page('#737'), kind: 'photo', mime: 'image/jpeg' },
    ]);
    await describeItem(
      { db: f.db, clock: f.clock },
      { itemId: groupItem, photo: 3, note: '入户核查现场', actor: 'cli', source: 'cli' },
    );
    v2Confirmed = await f.fileItem(f.task.v2doc, [
      { bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' },
      { bytes: minimalPdf(2), kind: 'document', mime: 'application/pdf' },
    ]);
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V2.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    v2Other = await f.fileItem(f.task.v2doc, [
      { bytes: minimalPdf(3), kind: 'document', mime: 'application/pdf' },
    ]);
    // Two photos and a PDF in the photo task (the last test's): a 文书 件, as filing makes it.
    mixedItem = await f.fileItem(f.task.photo, [
      {
        bytes: await photoJpeg({ taken: '2025:05:21 09:00:00', color: '#818' }),
        kind: 'photo',
        mime: 'image/jpeg',
      },
      {
        bytes: await photoJpeg({ taken: '2025:05:21 09:01:00', color: '#929' }),
        kind: 'photo',
        mime: 'image/jpeg',
      },
      { bytes: minimalPdf(9), kind: 'document', mime: 'application/pdf' },
    ]);
    docFiles = await filesOf(f.db, docItem);
    groupFiles = await filesOf(f.db, groupItem);
    expect(await filed(f.db, f.task.doc)).toBe(1);

    url = f.tdb.url;
    if (!postgres) await f.tdb.close();
    // 移出 as the operator runs it: the compiled CLI in its own process.
    splitOut = await runCli(
      ['archive', 'split', '--item', String(docItem), '--files', `${docFiles[2]},${docFiles[3]}`],
      { DATA_DIR: dataDir, ...(url ? { DATABASE_URL: url } : {}) },
      { cwd: dataDir },
    );
    if (postgres) db = f.tdb;
    else {
      db = await openDb({ dataDir });
      await migrate(db);
    }
  }, 240_000);
  afterAll(async () => {
    if (process.env.TEST_DATABASE_URL) await f.close();
    else {
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('移出 as a process: the two pages become a new 件 of the task, one 份 more, the 著录 staying', async () => {
    expect(splitOut.code, splitOut.stderr).toBe(0);
    const newItem = Number(/新的一件 #(\d+)/.exec(splitOut.stdout)?.[1]);
    expect(newItem).toBeGreaterThan(0);
    expect(await filesOf(db.db, docItem)).toEqual(docFiles.slice(0, 2));
    expect(await filesOf(db.db, newItem)).toEqual(docFiles.slice(2));
    const [src, made] = [await itemRow(db.db, docItem), await itemRow(db.db, newItem)];
    expect(made).toEqual({ ...src, burst_id: null });
    // Photographed paper: each item holding photos is one 份 of the document task.
    expect(await filed(db.db, f.task.doc)).toBe(2);
    expect(await liveItems(db.db, f.task.doc)).toBe(2);
    await countsRight(db.db);
    const titles = await queryRows<{ item_id: number; title: string }>(
      db.db,
      sql`select item_id::int as item_id, title from item_descriptions where item_id in (${docItem}, ${newItem})`,
    );
    expect(titles).toEqual([{ item_id: docItem, title: '村两委会议签到表' }]);
    // Audited as cli, naming the operating-system user who ran the command (cli-operator.ts).
    const osUser = processUserName();
    expect(await audits(db.db, docItem)).toEqual([
      {
        action: 'split_out',
        actor: 'cli',
        source: 'cli',
        details: { toItemId: newItem, materialIds: docFiles.slice(2), osUser },
      },
    ]);
    expect(await audits(db.db, newItem)).toEqual([
      {
        action: 'split_from',
        actor: 'cli',
        source: 'cli',
        details: { fromItemId: docItem, materialIds: docFiles.slice(2), osUser },
      },
    ]);

    // 并入 back: the pages follow the item's own, the split 件 ends (kept, audited), one 份 again.
    const merged = await cli('merge', '--item', String(docItem), '--from', String(newItem));
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toContain(`并入件 #${docItem}`);
    expect(await filesOf(db.db, docItem)).toEqual(docFiles);
    expect((await itemRow(db.db, newItem))!.undone).toBe(true);
    expect(await filed(db.db, f.task.doc)).toBe(1);
    expect(await liveItems(db.db, f.task.doc)).toBe(1);
    await countsRight(db.db);
    expect((await audits(db.db, newItem)).map((a) => [a.action, a.details])).toEqual([
      ['split_from', { fromItemId: docItem, materialIds: docFiles.slice(2), osUser }],
      ['merged_into', { intoItemId: docItem, materialIds: docFiles.slice(2), osUser }],
    ]);
  });

  it('a photo’s note goes with it out and back; archive files lists the ids 移出 takes', async () => {
    const listed = await cli('files', '--item', String(groupItem));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n')).toEqual([
      ...groupFiles.map((id) => `${id}\tphoto\t`),
      '共 3 个文件',
    ]);
    const out = await cli('split', '--item', String(groupItem), '--files', String(groupFiles[2]));
    expect(out.code, out.stderr).toBe(0);
    const newItem = Number(/新的一件 #(\d+)/.exec(out.stdout)?.[1]);
    expect(await notes(db.db)).toEqual([
      { item_id: newItem, material_id: groupFiles[2], note: '入户核查现场' },
    ]);
    // The task's photos: these three and the two of the last test's mixed item.
    expect(await filed(db.db, f.task.photo)).toBe(5);
    expect(await liveItems(db.db, f.task.photo)).toBe(3);
    await countsRight(db.db);

    const back = await cli('merge', '--item', String(groupItem), '--from', String(newItem));
    expect(back.code, back.stderr).toBe(0);
    expect(await filesOf(db.db, groupItem)).toEqual(groupFiles);
    expect(await notes(db.db)).toEqual([
      { item_id: groupItem, material_id: groupFiles[2], note: '入户核查现场' },
    ]);
    expect(await liveItems(db.db, f.task.photo)).toBe(2);
    await countsRight(db.db);
  });

  it('refuses emptying an item, another task or unit, and a live 档号 (naming it), changing nothing', async () => {
    const before = {
      doc: await filesOf(db.db, docItem),
      group: await filesOf(db.db, groupItem),
      v2: await filesOf(db.db, v2Confirmed),
      audits: (await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from audit_log`))[0]!.n,
    };
    const all = await cli('split', '--item', String(docItem), '--files', before.doc.join(','));
    expect(all.code).toBe(1);
    expect(all.stderr).toContain(`不能把件 #${docItem} 的文件全部移出`);
    const otherTask = await cli('merge', '--item', String(docItem), '--from', String(groupItem));
    expect(otherTask.code).toBe(1);
    expect(otherTask.stderr).toContain('不属于同一单位的同一项任务');
    const otherUnit = await cli('merge', '--item', String(docItem), '--from', String(v2Other));
    expect(otherUnit.code).toBe(1);
    expect(otherUnit.stderr).toContain('不属于同一单位的同一项任务');
    const [code] = await queryRows<{ archival_code: string }>(
      db.db,
      sql`select archival_code from archive_records where item_id = ${v2Confirmed} and status = 'confirmed'`,
    );
    expect(code?.archival_code).toBeTruthy();
    const confirmedSplit = await cli('split', '--item', String(v2Confirmed), '--files', String(before.v2[1]));
    expect(confirmedSplit.code).toBe(1);
    expect(confirmedSplit.stderr).toContain(
      `已确认归档（档号 ${code!.archival_code}），不能移出；请档案员先撤销确认`,
    );
    expect(confirmedSplit.stderr).toContain('archive unconfirm');
    const confirmedMerge = await cli('merge', '--item', String(v2Other), '--from', String(v2Confirmed));
    expect(confirmedMerge.code).toBe(1);
    expect(confirmedMerge.stderr).toContain(`档号 ${code!.archival_code}`);
    const notInItem = await cli('split', '--item', String(docItem), '--files', String(before.group[0]));
    expect(notInItem.code).toBe(1);
    expect(notInItem.stderr).toContain('勾选的文件已不在');
    const usage = await cli('split', '--item', String(docItem));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('archive split --item ID --files');

    expect(await filesOf(db.db, docItem)).toEqual(before.doc);
    expect(await filesOf(db.db, groupItem)).toEqual(before.group);
    expect(await filesOf(db.db, v2Confirmed)).toEqual(before.v2);
    expect((await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from audit_log`))[0]!.n).toBe(
      before.audits,
    );
    await countsRight(db.db);
  });

  /**
   * The 门类 follows the files: 确认归档 numbers an item by its kind. 移出 of the PDF from two photos and a
   * PDF in a photo task left the photos a 文书 件 (numbered WS); 并入 of it back left them a 照片组.
   */
  it('移出 and 并入 set each item’s 门类 from the files it holds now', async () => {
    const mixed = mixedItem;
    expect((await itemRow(db.db, mixed))!.kind).toBe('document');
    const files = await filesOf(db.db, mixed);
    const out = await cli('split', '--item', String(mixed), '--files', String(files[2]));
    expect(out.code, out.stderr).toBe(0);
    const pdfItem = Number(/新的一件 #(\d+)/.exec(out.stdout)?.[1]);
    expect((await itemRow(db.db, mixed))!.kind).toBe('photo_group');
    expect((await itemRow(db.db, pdfItem))!.kind).toBe('document');
    const back = await cli('merge', '--item', String(mixed), '--from', String(pdfItem));
    expect(back.code, back.stderr).toBe(0);
    expect((await itemRow(db.db, mixed))!.kind).toBe('document');
    await countsRight(db.db);
  });
});
