import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, queryRows, type Database } from '../../src/db/client.js';
import { findNumberGaps } from '../../src/domain/four-properties-rules.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { unconfirmArchive } from '../../src/usecases/unconfirm-archive.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';

const doc = (i: number) => ({
  bytes: minimalPdf(1, Buffer.from(`doc ${i} ${Math.random()}`)),
  kind: 'document' as const,
  mime: 'application/pdf',
  name: `scan${i}.pdf`,
});

async function records(f: ArchiveFixture) {
  return queryRows<{ itemId: number; code: string; n: number; status: string; classKey: string }>(
    f.db,
    sql`select item_id::int as "itemId", archival_code as code, piece_number::int as n, status, class_key as "classKey"
        from archive_records order by class_key, piece_number`,
  );
}

describe('档号 numbering', () => {
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

  const deps = () => ({ db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs });

  it('assigns DA/T 22 codes per class on confirmation; photos drop 机构; pages counted from PDFs', async () => {
    const d1 = await f.fileItem(f.task.doc, [{ ...doc(1), bytes: minimalPdf(3) }]);
    const d2 = await f.fileItem(f.task.doc, [doc(2)]);
    const p1 = await f.fileItem(f.task.photo, [
      { bytes: Buffer.from('x'), kind: 'photo', mime: 'image/jpeg' },
      { bytes: Buffer.from('y'), kind: 'photo', mime: 'image/jpeg' },
    ]);
    const refused = await confirmArchive(deps(), {
      unitId: f.unit.V1.id,
      year: 2025,
      actor: 'ou_officer',
      source: 'chat',
    });
    expect(refused.status).toBe('refused');
    const res = await confirmArchive(deps(), {
      unitId: f.unit.V1.id,
      year: 2025,
      actor: 'ou_archivist',
      source: 'chat',
    });
    expect(res.status).toBe('confirmed');
    const byItem = new Map((await records(f)).map((r) => [r.itemId, r.code]));
    expect(byItem.get(d1)).toBe('A182-WS·2025-D30-ZH-0001');
    expect(byItem.get(d2)).toBe('A182-WS·2025-D30-ZH-0002');
    expect(byItem.get(p1)).toBe('A182-ZP·2025-Y-0001');
    const [pages] = await queryRows<{ pages: number }>(
      f.db,
      sql`select pages::int as pages from archive_records where item_id = ${d1}`,
    );
    expect(pages!.pages).toBe(3);
    const audits = await queryRows<{ n: number }>(
      f.db,
      sql`select count(*)::int as n from audit_log where action = 'confirm'`,
    );
    expect(Number(audits[0]!.n)).toBe(3);
    const again = await confirmArchive(deps(), {
      unitId: f.unit.V1.id,
      year: 2025,
      actor: 'cli',
      source: 'cli',
    });
    expect(again.status).toBe('nothing');
  });

  it('is gap-free and duplicate-free under concurrent confirmations (two connections on PostgreSQL)', async () => {
    for (let i = 0; i < 12; i++) await f.fileItem(f.task.doc, [doc(100 + i)]);
    for (let i = 0; i < 12; i++) await f.fileItem(f.task.v2doc, [doc(200 + i)]);
    const db2 = second?.db ?? f.db;
    const run = (db: typeof f.db, unitId: number) =>
      confirmArchive({ ...deps(), db }, { unitId, year: 2025, actor: 'cli', source: 'cli' });
    // V1 and V2 share the class A182-WS·2025-D30-ZH; the township (T1) overlaps both.
    const results = await Promise.all([
      run(f.db, f.unit.V1.id),
      run(db2, f.unit.V2.id),
      run(f.db, f.unit.T1.id),
      run(db2, f.unit.T1.id),
    ]);
    const confirmed = results.reduce((n, r) => n + (r.status === 'confirmed' ? r.count : 0), 0);
    expect(confirmed).toBe(24);
    const ws = (await records(f)).filter((r) => r.classKey === 'A182|WS|2025|D30|ZH');
    expect(ws).toHaveLength(26);
    expect(ws.map((r) => r.n)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    expect(new Set(ws.map((r) => r.itemId)).size).toBe(26);
    const [counter] = await queryRows<{ last: number }>(
      f.db,
      sql`select last_number::int as last from archive_counters where class_key = 'A182|WS|2025|D30|ZH'`,
    );
    expect(Number(counter!.last)).toBe(26);
  });

  it('unconfirm retires the number; a reconfirmation takes a new one and never reuses it', async () => {
    const before = (await records(f)).filter((r) => r.classKey === 'A182|WS|2025|D30|ZH');
    const victim = before[4]!;
    const refused = await unconfirmArchive(
      { db: f.db, clock: f.clock, timeZone: 'Asia/Shanghai' },
      { itemId: victim.itemId, actor: 'ou_officer', source: 'chat' },
    );
    expect(refused.status).toBe('refused');
    const out = await unconfirmArchive(
      { db: f.db, clock: f.clock, timeZone: 'Asia/Shanghai' },
      { archivalCode: victim.code, reason: '归错任务', actor: 'ou_archivist', source: 'chat' },
    );
    expect(out).toMatchObject({ status: 'withdrawn', archivalCode: victim.code });
    const twice = await unconfirmArchive(
      { db: f.db, clock: f.clock, timeZone: 'Asia/Shanghai' },
      { archivalCode: victim.code, actor: 'cli', source: 'cli' },
    );
    expect(twice.status).toBe('not_confirmed');

    const newItem = await f.fileItem(f.task.doc, [doc(999)]);
    const res = await confirmArchive(deps(), {
      unitId: f.unit.T1.id,
      year: 2025,
      actor: 'cli',
      source: 'cli',
    });
    expect(res.status).toBe('confirmed');
    const after = (await records(f)).filter((r) => r.classKey === 'A182|WS|2025|D30|ZH');
    const live = after.filter((r) => r.itemId === victim.itemId && r.status === 'confirmed');
    expect(live).toHaveLength(1);
    expect(live[0]!.n).toBeGreaterThan(before.length);
    expect(after.find((r) => r.code === victim.code)!.status).toBe('withdrawn');
    expect(after.find((r) => r.itemId === newItem)!.n).toBeGreaterThan(before.length);
    const numbers = after.map((r) => r.n);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(findNumberGaps(numbers, numbers.length)).toEqual([]);
    const unconfirmAudit = await queryRows<{ n: number }>(
      f.db,
      sql`select count(*)::int as n from audit_log where action = 'unconfirm' and item_id = ${victim.itemId}`,
    );
    expect(Number(unconfirmAudit[0]!.n)).toBe(1);
  });
});
