import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import {
  changingAtFirstRead,
  createArchiveFixture,
  minimalPdf,
  photoJpeg,
  type ArchiveFixture,
} from './archive-fixtures.js';

/**
 * `archive confirm` numbers what is there when it runs; a 件 whose class changes while it counts the
 * pages (its task's 保管期限 set anew) is left for next time, and the outcome says how many and why.
 */
describe('a confirmation that leaves out 件 whose class changed while it ran', () => {
  let f: ArchiveFixture;
  beforeAll(async () => {
    f = await createArchiveFixture();
  });
  afterAll(() => f.close());

  const live = (itemId: number) =>
    queryRows(f.db, sql`select 1 from archive_records where item_id = ${itemId} and status = 'confirmed'`);

  it('numbers the others and names the count left out', async () => {
    const doc = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(2, Buffer.from('class-changed')), kind: 'document', mime: 'application/pdf' },
    ]);
    const photo = await f.fileItem(f.task.photo, [
      { bytes: await photoJpeg(), kind: 'photo', mime: 'image/jpeg' },
    ]);
    // The document task's 保管期限 changes once the confirmation has read the candidates and is
    // counting the PDF's pages (before it locks the class counters).
    const change = changingAtFirstRead(f.blobs, () =>
      f.db.execute(sql`update tasks set retention = 'D10' where id = ${f.task.doc}`),
    );
    const res = await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: change.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    await change.done();
    expect(res).toMatchObject({ status: 'confirmed', count: 1, skipped: 1 });
    expect(res.message).toContain('\n另有 1 件在确认期间改了分类，这次没有编号；请再确认归档一次。');
    expect(await live(photo)).toHaveLength(1);
    expect(await live(doc)).toHaveLength(0);

    // Confirmed again, it is numbered in its new class.
    const again = await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    expect(again).toMatchObject({ status: 'confirmed', count: 1, skipped: 0 });
    expect(again.message).toContain('D10');
    expect(again.message).not.toContain('另有');
  });
});
