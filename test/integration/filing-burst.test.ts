import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { taskProgress } from '../../src/db/repos/completeness.js';
import { DomainError } from '../../src/errors.js';
import { fileBurst } from '../../src/usecases/file-burst.js';
import { resultCard } from '../../src/usecases/present-burst.js';
import { createFilingWorld, type FilingWorld } from './filing-world.js';
import { PEOPLE } from './campaign-fixtures.js';

const HOUR = 60 * 60 * 1000;

describe('filing bursts', () => {
  let w: FilingWorld;
  beforeAll(async () => {
    w = await createFilingWorld('2025-05-06T10:00:00+08:00');
  });
  afterAll(() => w.tdb.close());

  it('files a burst of 5 photos as one photo group with an audit row', async () => {
    const { burstId, materialIds } = await w.burst(['photo', 'photo', 'photo', 'photo', 'photo'], {
      caption: '#C02 村委会门口公示栏',
    });
    const r = await fileBurst(w.deps(), {
      burstId,
      taskId: w.ids.get('V1/C02')!,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    expect(r).toMatchObject({
      status: 'filed',
      kind: 'photo_group',
      materialCount: 5,
      notStored: 0,
      task: { code: 'C02', title: '识别公示照片', unitName: '东村', campaignCode: 'small-2025' },
      progress: { filed: 5, minCount: 3, missing: 0, state: 'complete' },
      undoUntil: new Date(w.clock.now().getTime() + 24 * HOUR),
      message: '已交到「C02 识别公示照片」（照片 5 张），该项已齐全。24 小时内可撤销。',
    });
    if (r.status !== 'filed') throw new Error();
    const [item] = await queryRows<any>(
      w.tdb.db,
      sql`select * from filing_items where burst_id = ${burstId}`,
    );
    expect(item).toMatchObject({ kind: 'photo_group', title: '村委会门口公示栏', n_photo: 5, n_document: 0 });
    expect(item).toMatchObject({ filed_by: 'ou_villager', via: 'card', chat_id: 'oc_v1', undone_at: null });
    const linked = await queryRows<any>(
      w.tdb.db,
      sql`select material_id::int as id from filing_item_materials where item_id = ${r.itemId} order by position`,
    );
    expect(linked.map((l) => l.id)).toEqual(materialIds);
    const audit = await queryRows<any>(w.tdb.db, sql`select * from audit_log where item_id = ${r.itemId}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'ou_villager',
      action: 'file',
      source: 'card',
      chat_id: 'oc_v1',
    });
    expect(audit[0].details).toMatchObject({
      via: 'card',
      kind: 'photo_group',
      materialIds,
      taskCode: 'C02',
    });
  });

  it("files a video without its cover image (the cover is no photo of the task's)", async () => {
    const { burstId, materialIds } = await w.burst(['video', 'photo']);
    await w.tdb.db.execute(sql`update materials set role = 'cover' where id = ${materialIds[1]!}`);
    const before = await taskProgress(w.tdb.db, w.ids.get('V1/C02')!);
    const r = await fileBurst(w.deps(), {
      burstId,
      taskId: w.ids.get('V1/C02')!,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    expect(r).toMatchObject({ status: 'filed', kind: 'video', materialCount: 1, notStored: 0 });
    const [item] = await queryRows<any>(
      w.tdb.db,
      sql`select * from filing_items where burst_id = ${burstId}`,
    );
    expect(item).toMatchObject({ n_video: 1, n_photo: 0 });
    expect((await taskProgress(w.tdb.db, w.ids.get('V1/C02')!))?.filed).toBe(before?.filed);
    if (r.status === 'filed')
      await w.tdb.db.execute(sql`update filing_items set undone_at = now() where id = ${r.itemId}`);
  });

  it('a second click answers 已归档 and writes nothing', async () => {
    const { burstId } = await w.burst(['document']);
    const first = await fileBurst(w.deps(), {
      burstId,
      taskId: w.ids.get('V1/C01')!,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    expect(first.status).toBe('filed');
    const [items, audits] = [await w.count('filing_items'), await w.count('audit_log')];
    const again = await fileBurst(w.deps(), {
      burstId,
      taskId: w.ids.get('V1/C01')!,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    expect(again).toMatchObject({
      status: 'already_filed',
      sameTask: true,
      message: '已交到「C01 村两委会议记录」',
    });
    const other = await fileBurst(w.deps(), {
      burstId,
      taskId: w.ids.get('V1/C02')!,
      actorOpenId: PEOPLE.officer1,
      via: 'card',
    });
    expect(other).toMatchObject({
      status: 'already_filed',
      sameTask: false,
      task: { code: 'C01' },
      filedBy: 'ou_villager',
    });
    expect([await w.count('filing_items'), await w.count('audit_log')]).toEqual([items, audits]);
  });

  it('concurrent clicks file once', async () => {
    const { burstId } = await w.burst(['photo', 'photo']);
    const taskId = w.ids.get('V1/H01-01')!;
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        fileBurst(w.deps(), { burstId, taskId, actorOpenId: 'ou_villager', via: 'card' }),
      ),
    );
    expect(results.filter((r) => r.status === 'filed')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'already_filed')).toHaveLength(5);
    expect(await w.count('filing_items', sql`burst_id = ${burstId}`)).toBe(1);
    expect(await w.count('audit_log', sql`burst_id = ${burstId}`)).toBe(1);
    expect((await taskProgress(w.tdb.db, taskId))!.filed).toBe(2);
  });

  it('refuses someone who is neither in the chat nor staff, and changes nothing', async () => {
    const { burstId } = await w.burst(['photo']);
    const before = [
      await w.count('filing_items'),
      await w.count('filing_item_materials'),
      await w.count('audit_log'),
    ];
    const r = await fileBurst(w.deps(), {
      burstId,
      taskId: w.ids.get('V1/C02')!,
      actorOpenId: 'ou_stranger',
      via: 'card',
    });
    expect(r).toEqual({
      status: 'refused',
      reason: 'not_allowed',
      message: '只有东村的工作群成员或工作人员才能交材料',
    });
    expect(w.memberChecks).toContain('oc_v1:ou_stranger');
    expect([
      await w.count('filing_items'),
      await w.count('filing_item_materials'),
      await w.count('audit_log'),
    ]).toEqual(before);
    // Staff may file without being in the chat: a V1 officer, the township archivist.
    w.memberChecks.length = 0;
    const byOfficer = await fileBurst(w.deps(), {
      burstId,
      taskId: w.ids.get('V1/C02')!,
      actorOpenId: PEOPLE.officer2,
      via: 'reply',
    });
    expect(byOfficer.status).toBe('filed');
    expect(w.memberChecks).toEqual([]);
    const other = await w.burst(['photo']);
    const byArchivist = await fileBurst(w.deps(), {
      burstId: other.burstId,
      taskId: w.ids.get('V2/C02')!,
      actorOpenId: PEOPLE.archivist,
      via: 'code',
    });
    expect(byArchivist.status).toBe('filed');
    // A chat member of V1 cannot file for V2 (no chat bound there).
    const third = await w.burst(['photo']);
    const cross = await fileBurst(w.deps(), {
      burstId: third.burstId,
      taskId: w.ids.get('V2/C02')!,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    expect(cross.status).toBe('refused');
  });

  it('files only stored materials, and nothing while none is stored', async () => {
    const mixed = await w.burst(['photo', 'document', 'photo', 'photo'], {
      statuses: ['stored', 'stored', 'pending', 'failed'],
    });
    const r = await fileBurst(w.deps(), {
      burstId: mixed.burstId,
      taskId: w.ids.get('V1/C01')!,
      actorOpenId: PEOPLE.officer1,
      via: 'card',
    });
    expect(r).toMatchObject({
      status: 'filed',
      kind: 'document',
      materialCount: 2,
      notStored: 1,
      stillSaving: 1,
    });
    // The result card says what was left out, so nobody believes the burst was filed whole, and what
    // will follow (a file still downloading joins the item when stored: capture-slow-download.test.ts).
    const card = JSON.stringify(resultCard(mixed.burstId, '收到 3 份材料', r, w.clock.now()));
    expect(card).toContain('另有 1 个文件没有保存成功，未归入本件');
    expect(card).toContain('另有 1 个文件还在保存，保存好后自动归入本件');
    const pending = await w.burst(['photo'], { statuses: ['pending'] });
    const err = await fileBurst(w.deps(), {
      burstId: pending.burstId,
      taskId: w.ids.get('V1/C01')!,
      actorOpenId: PEOPLE.officer1,
      via: 'card',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('burst_not_stored');
    // Downloads that all ended unsaved after the card went out: not 「还在保存中」 (that never ends).
    const lost = await w.burst(['photo', 'document'], { statuses: ['failed', 'empty'] });
    const none = await fileBurst(w.deps(), {
      burstId: lost.burstId,
      taskId: w.ids.get('V1/C01')!,
      actorOpenId: PEOPLE.officer1,
      via: 'card',
    }).catch((e) => e);
    expect(none).toBeInstanceOf(DomainError);
    expect(none.message).toBe('这组材料没有保存成功，不能交到任务里，请重新发送');
  });
});
