import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, queryRows, type Database } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { describeItem } from '../../src/usecases/describe-item.js';
import { refileItem, unfileItem } from '../../src/usecases/refile-item.js';
import { unconfirmArchive } from '../../src/usecases/unconfirm-archive.js';
import { undoFiling } from '../../src/usecases/undo-filing.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';

describe('a confirmed item (live 档号) cannot be undone, unfiled, refiled or re-described by others', () => {
  let f: ArchiveFixture;
  let second: Database | undefined;
  beforeAll(async () => {
    f = await createArchiveFixture();
    if (f.tdb.url) second = openPostgres(f.tdb.url, 4);
  });
  afterAll(async () => {
    await second?.close();
    await f.close();
  });

  const confirm = () =>
    confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config },
      { unitId: f.unit.V1.id, year: 2025, actor: 'ou_archivist', source: 'chat' },
    );
  const undone = async (itemId: number) =>
    (
      await queryRows<{ undone: boolean }>(
        f.db,
        sql`select undone_at is not null as undone from filing_items where id = ${itemId}`,
      )
    )[0]!.undone;

  it('refuses undo, refile and unfile while confirmed; all work again after unconfirm', async () => {
    const item = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1, Buffer.from('confirmed-changes')), kind: 'document', mime: 'application/pdf' },
    ]);
    const res = await confirm();
    if (res.status !== 'confirmed') throw new Error(res.message);
    const code = res.records.find((r) => r.itemId === item)!.archivalCode;
    const refusal = `该件已确认归档（档号 ${code}），请档案员先撤销确认`;

    // The filer within 24 hours, and an archivist: both refused while the 档号 is live.
    expect(await undoFiling(f, { itemId: item, actorOpenId: 'ou_officer', source: 'card' })).toEqual({
      status: 'refused',
      reason: 'confirmed',
      message: refusal,
    });
    expect(
      await refileItem(
        { ...f, isChatMember: async () => true },
        { itemId: item, toTaskId: f.task.photo, actorOpenId: 'ou_archivist', source: 'card' },
      ),
    ).toEqual({ status: 'refused', reason: 'confirmed', message: refusal });
    expect(await unfileItem(f, { itemId: item, actorOpenId: 'ou_archivist', source: 'card' })).toEqual({
      status: 'refused',
      reason: 'confirmed',
      message: refusal,
    });
    expect(await unfileItem(f, { itemId: item, actorOpenId: 'cli', source: 'cli' })).toMatchObject({
      status: 'refused',
      reason: 'confirmed',
    });
    expect(await undone(item)).toBe(false);
    const [{ n }] = (await queryRows<{ n: number }>(
      f.db,
      sql`select count(*)::int as n from audit_log where item_id = ${item} and action in ('undo', 'refile', 'unfile')`,
    )) as [{ n: number }];
    expect(n).toBe(0);

    const back = await unconfirmArchive(
      { ...f, timeZone: 'Asia/Shanghai' },
      { itemId: item, actor: 'ou_archivist', source: 'chat' },
    );
    expect(back.status).toBe('withdrawn');
    const moved = await refileItem(
      { ...f, isChatMember: async () => true },
      { itemId: item, toTaskId: f.task.photo, actorOpenId: 'ou_archivist', source: 'card' },
    );
    expect(moved.status).toBe('refiled');
    expect(await undoFiling(f, { itemId: item, actorOpenId: 'ou_officer', source: 'card' })).toMatchObject({
      status: 'undone',
    });
    expect(await undone(item)).toBe(true);

    const other = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1, Buffer.from('confirmed-changes-2')), kind: 'document', mime: 'application/pdf' },
    ]);
    const again = await confirm();
    if (again.status !== 'confirmed') throw new Error(again.message);
    expect(await unfileItem(f, { itemId: other, actorOpenId: 'ou_archivist', source: 'card' })).toMatchObject(
      { status: 'refused', reason: 'confirmed' },
    );
    expect(
      (
        await unconfirmArchive(
          { ...f, timeZone: 'Asia/Shanghai' },
          { itemId: other, actor: 'ou_archivist', source: 'chat' },
        )
      ).status,
    ).toBe('withdrawn');
    expect(await unfileItem(f, { itemId: other, actorOpenId: 'ou_archivist', source: 'card' })).toMatchObject(
      { status: 'unfiled' },
    );
  });

  it('after confirmation only archivists change the description', async () => {
    const photo = await f.fileItem(f.task.photo, [
      { bytes: await photoJpeg({ color: '#123456' }), kind: 'photo', mime: 'image/jpeg' },
    ]);
    expect(
      await describeItem(f, { itemId: photo, reason: '公示', actor: 'ou_officer', source: 'card' }),
    ).toMatchObject({ status: 'described' });
    const res = await confirm();
    if (res.status !== 'confirmed') throw new Error(res.message);
    const code = res.records.find((r) => r.itemId === photo)!.archivalCode;
    expect(
      await describeItem(f, { itemId: photo, place: '东村', actor: 'ou_officer', source: 'card' }),
    ).toEqual({
      status: 'refused',
      message: `该件已确认归档（档号 ${code}），只有档案员可以修改说明`,
    });
    expect(
      await describeItem(f, { itemId: photo, title: '改题名', actor: 'ou_officer', source: 'card' }),
    ).toMatchObject({ status: 'refused' });
    expect(
      await describeItem(f, { itemId: photo, place: '东村', actor: 'ou_archivist', source: 'card' }),
    ).toMatchObject({ status: 'described' });
    const [d] = await queryRows<{ place: string | null; title: string | null }>(
      f.db,
      sql`select place, title from item_descriptions where item_id = ${photo}`,
    );
    expect(d).toEqual({ place: '东村', title: null });
    await unconfirmArchive(
      { ...f, timeZone: 'Asia/Shanghai' },
      { itemId: photo, actor: 'ou_archivist', source: 'chat' },
    );
    expect(
      await describeItem(f, { itemId: photo, people: '张三', actor: 'ou_officer', source: 'card' }),
    ).toMatchObject({ status: 'described' });
  });

  it('a confirmation racing an unfile or undo: never an undone item with a live 档号', async () => {
    const db2 = second?.db ?? f.db; // two connections on PostgreSQL; one (serialised) on PGlite
    for (let round = 0; round < 6; round++) {
      const item = await f.fileItem(f.task.doc, [
        { bytes: minimalPdf(1, Buffer.from(`race ${round}`)), kind: 'document', mime: 'application/pdf' },
      ]);
      const change =
        round % 2 === 0
          ? unfileItem({ db: db2, clock: f.clock }, { itemId: item, actorOpenId: 'cli', source: 'cli' })
          : undoFiling(
              { db: db2, clock: f.clock },
              { itemId: item, actorOpenId: 'ou_officer', source: 'card' },
            );
      const [changed] = await Promise.all([change, confirm()]);
      const [row] = await queryRows<{ undone: boolean; live: number }>(
        f.db,
        sql`select fi.undone_at is not null as undone,
              (select count(*)::int from archive_records ar where ar.item_id = fi.id and ar.status = 'confirmed') as live
            from filing_items fi where fi.id = ${item}`,
      );
      expect(row!.undone && row!.live > 0, `round ${round}`).toBe(false);
      expect(row!.undone || row!.live === 1, `round ${round}`).toBe(true);
      expect(changed.status === 'refused', `round ${round}`).toBe(row!.live === 1);
    }
  });
});
