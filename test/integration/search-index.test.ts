import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { upsertDescription, upsertPhotoNote } from '../../src/db/repos/archive-descriptions.js';
import { searchItems } from '../../src/db/repos/page-search.js';
import { upsertPerson } from '../../src/db/repos/people.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { fileBurst } from '../../src/usecases/file-burst.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { refileItem } from '../../src/usecases/refile-item.js';
import { undoFiling } from '../../src/usecases/undo-filing.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import {
  insertBurst,
  ORG_CSV,
  seedOrg,
  SMALL_CHECKLIST,
  storeChecklist,
  taskIds,
  PEOPLE,
} from './campaign-fixtures.js';

/**
 * item_search is written by triggers only: after any write to a text the search reads (item,
 * description, a photo's own 说明 / 背景, 档号, burst caption, material, task, unit, person), every item's stored search text must
 * equal the one computed from the tables now, and search must find the new text and not the old.
 */
describe('search text (item_search) follows every write', () => {
  let tdb: TestDb;
  let ids: Map<string, number>;
  const clock = new ManualClock('2025-11-01T09:00:00+08:00');
  const deps = () => ({ db: tdb.db, clock, isChatMember: async () => false });
  const items: number[] = [];

  const file = async (task: string, kinds: string[], caption?: string) => {
    const { burstId, materialIds } = await insertBurst(tdb.db, {
      chatId: 'oc_x',
      sender: PEOPLE.officer1,
      kinds,
      at: clock.now(),
      caption,
    });
    const r = await fileBurst(deps(), {
      burstId,
      taskId: ids.get(task)!,
      actorOpenId: PEOPLE.officer2,
      via: 'cli',
    });
    if (r.status !== 'filed') throw new Error(r.message);
    items.push(r.itemId);
    return { itemId: r.itemId, burstId, materialIds };
  };
  /** Items whose stored search text differs from the one computed now (none when the triggers work). */
  const stale = async () =>
    queryRows<{ id: number }>(
      tdb.db,
      sql`select fi.id::int as id from filing_items fi left join item_search s on s.item_id = fi.id
          where s.doc is distinct from item_search_doc(fi.id)`,
    );
  /** Ids found for one term, the same by the first pass alone and by the character-pair lookup. */
  const found = async (term: string) => {
    const run = async (recent: number) =>
      (
        await searchItems(tdb.db, {
          terms: [term],
          paths: ['/'],
          timeZone: 'Asia/Shanghai',
          limit: 50,
          recent,
        })
      ).map((h) => h.id);
    const [recentPass, pairPass] = [await run(2000), await run(1)];
    expect(pairPass, term).toEqual(recentPass);
    return recentPass;
  };

  beforeAll(async () => {
    tdb = await createTestDb();
    await seedOrg(tdb.db, clock);
    await storeChecklist(tdb.db, SMALL_CHECKLIST, clock.now());
    await createCampaign(campaignDeps({ db: tdb.db, clock }), {
      checklistCode: 'small',
      year: 2025,
      deadline: new Date('2025-12-31T23:59:59+08:00'),
      parentUnitCode: 'X',
      createdBy: 'cli',
    });
    ids = await taskIds(tdb.db);
  });
  afterAll(() => tdb.close());

  it('indexes an item with its task, unit, filer, caption and materials when it is filed', async () => {
    const { itemId } = await file('V1/C02', ['photo', 'photo'], '产业路开工仪式');
    expect(await stale()).toEqual([]);
    for (const term of [
      '产业路',
      '识别公示',
      '精准识别类',
      'C02',
      '东村',
      '测试县/甲镇',
      '李村干',
      '王村干',
      'img_1.JPG',
    ])
      expect(await found(term), term).toEqual([itemId]);
    expect(await found('西村')).toEqual([]);
    // Every character pair of the term must be in the item, then the text itself: 产路 is not a word here.
    expect(await found('产路')).toEqual([]);
    expect(await found('路')).toEqual([itemId]);
  });

  it('follows descriptions, 档号, captions, materials, people, units, refiling and undo', async () => {
    const a = await file('V1/C02', ['photo']);
    const b = await file('V2/C01', ['document']);
    const now = clock.now();
    await tdb.db.transaction((tx) =>
      upsertDescription(tx, a.itemId, { reason: '危桥加固验收', docNumber: '东政发〔2025〕7号' }, 'cli', now),
    );
    expect(await found('危桥')).toEqual([a.itemId]);
    expect(await found('〔2025〕7号')).toEqual([a.itemId]);
    await tdb.db.transaction((tx) => upsertDescription(tx, a.itemId, { reason: '村道硬化' }, 'cli', now));
    expect(await found('危桥')).toEqual([]);

    await tdb.db
      .execute(sql`insert into archive_records (item_id, unit_id, class_key, fonds_code, category_code, year,
        retention_code, org_code, piece_number, archival_code, confirmed_at, confirmed_by)
      values (${b.itemId}, (select unit_id from filing_items where id = ${b.itemId}), 'k', 'Z001', 'WS', 2025, 'D30',
        '', 1, 'Z001-WS·2025-D30-0001', now(), 'cli')`);
    expect(await found('WS·2025')).toEqual([b.itemId]);
    // Typed as archivists type it: 「.」 for 「·」, lower case, a full-width 「－」 (archive unconfirm --code's rule).
    for (const typed of ['ws.2025', 'z001－ws．2025－d30－0001', 'Z001-WS・2025-D30-0001'])
      expect(await found(typed), typed).toEqual([b.itemId]);
    await tdb.db.execute(sql`update archive_records set status = 'withdrawn' where item_id = ${b.itemId}`);
    expect(await found('WS·2025')).toEqual([]);

    await tdb.db.execute(sql`update bursts set caption = '秋收现场' where id = ${b.burstId}`);
    await tdb.db.execute(sql`update materials set caption = '收割机', original_name = '合同.pdf'
      where id = ${b.materialIds[0]!}`);
    expect(await found('秋收')).toEqual([b.itemId]);
    expect(await found('收割机')).toEqual([b.itemId]);
    expect(await found('合同')).toEqual([b.itemId]);

    await upsertPerson(tdb.db, { openId: PEOPLE.officer1, name: '王大海' }, now);
    expect((await found('王大海')).sort()).toEqual([...items].sort());
    expect(await found('王村干')).toEqual([]);
    await upsertPerson(tdb.db, { openId: 'ou_new', name: '新来的' }, now);
    await tdb.db.execute(sql`update materials set sender_open_id = 'ou_new' where id = ${a.materialIds[0]!}`);
    expect(await found('新来的')).toEqual([a.itemId]);

    await importUnits(
      { db: tdb.db, clock },
      { text: ORG_CSV.replace('东村', '东风村'), fileName: 'org.csv' },
    );
    expect((await found('东风村')).length).toBe(2);
    expect(await found('测试县/甲镇/东风村')).toHaveLength(2);

    await tdb.db.execute(sql`update tasks set title = '村务公开栏' where id = ${ids.get('V1/C01')!}`);
    await refileItem(deps(), {
      itemId: a.itemId,
      toTaskId: ids.get('V1/C01')!,
      actorOpenId: 'cli',
      source: 'cli',
    });
    expect(await found('村务公开')).toEqual([a.itemId]);
    await undoFiling({ db: tdb.db, clock }, { itemId: a.itemId, actorOpenId: 'cli', source: 'cli' });
    expect(await found('村务公开')).toEqual([]);
    expect(await stale()).toEqual([]);
  });

  it('keeps LIKE metacharacters literal and needs every word', async () => {
    expect(await found('%')).toEqual([]);
    expect(await found('G%1')).toEqual([]);
    expect(await found('GX1')).toEqual([]);
    expect(await found('G_1')).toEqual([items[0]]);
    const both = await searchItems(tdb.db, {
      terms: ['秋收', '西村'],
      paths: ['/'],
      timeZone: 'Asia/Shanghai',
      limit: 50,
    });
    expect(both).toHaveLength(1);
    const none = await searchItems(tdb.db, {
      terms: ['秋收', '东风村'],
      paths: ['/'],
      timeZone: 'Asia/Shanghai',
      limit: 50,
    });
    expect(none).toEqual([]);
  });

  it('keeps to the scope: a unit, the only root (read without a scope condition), a class', async () => {
    const search = async (paths: string[], taskClass?: string) =>
      (
        await searchItems(tdb.db, {
          terms: ['村'],
          paths,
          taskClass,
          timeZone: 'Asia/Shanghai',
          limit: 50,
        })
      ).map((h) => h.id);
    const units = await queryRows<{ path: string; top: boolean; items: number[] }>(
      tdb.db,
      sql`select u.path, u.parent_id is null as top,
            array(select fi.id::int from filing_items fi join units v on v.id = fi.unit_id
              where fi.undone_at is null and v.path like u.path || '%' order by fi.filed_at desc, fi.id desc) as items
          from units u`,
    );
    const all = await search(['/']);
    expect(all.length).toBeGreaterThan(1);
    for (const u of units) {
      expect(await search([u.path]), u.path).toEqual(u.items.map(Number));
      if (u.top) expect(await search([u.path])).toEqual(all);
    }
    expect(units.some((u) => u.top)).toBe(true);
    const classes = await queryRows<{ id: number }>(
      tdb.db,
      sql`select fi.id::int as id from filing_items fi join tasks t on t.id = fi.task_id
          where fi.undone_at is null and t.class = '精准识别类' order by fi.filed_at desc, fi.id desc`,
    );
    expect(await search(['/'], '精准识别类')).toEqual(classes.map((r) => Number(r.id)));
  });

  it("follows a photo's own 说明 and 背景 (photo_notes)", async () => {
    const { itemId, materialIds } = await file('V2/C02', ['photo', 'photo']);
    const key = { itemId, materialId: materialIds[1]! };
    await tdb.db.transaction((tx) =>
      upsertPhotoNote(tx, key, { note: '老支书讲解村史', background: '建党百年' }, 'cli', clock.now()),
    );
    expect(await found('老支书')).toEqual([itemId]);
    expect(await found('建党百年')).toEqual([itemId]);
    await tdb.db.transaction((tx) => upsertPhotoNote(tx, key, { note: '新修的水渠' }, 'cli', clock.now()));
    expect(await found('老支书')).toEqual([]);
    expect(await found('水渠')).toEqual([itemId]);
    await tdb.db.execute(sql`delete from photo_notes where item_id = ${itemId}`);
    expect(await found('水渠')).toEqual([]);
    expect(await stale()).toEqual([]);
  });
});
