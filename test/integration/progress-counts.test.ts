import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { missingForUnit } from '../../src/db/repos/completeness-missing.js';
import {
  foldProgressDeltas,
  unitProgress,
  unitProgressDirect,
} from '../../src/db/repos/completeness-progress.js';
import { listUnits } from '../../src/db/repos/units.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { fileBurst } from '../../src/usecases/file-burst.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { refileItem } from '../../src/usecases/refile-item.js';
import { retireUnit } from '../../src/usecases/retire-unit.js';
import { undoFiling } from '../../src/usecases/undo-filing.js';
import { waiveTask } from '../../src/usecases/waive-task.js';
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

/** The bot's default zone: the counts and lists below are read in it. */
const TZ = 'Asia/Shanghai';

/**
 * unit_progress_counts and its pending deltas are written by triggers only. After each kind of write,
 * every unit's progress read from them equals the one computed from tasks and items (at several
 * moments, so overdue is checked either side of each due time), the missing lists agree, and the
 * figures stay the same when the deltas are folded in and equal a rebuild.
 */
describe('progress counts (unit_progress_counts) equal the direct computation', () => {
  let tdb: TestDb;
  let ids: Map<string, number>;
  const clock = new ManualClock('2025-11-01T09:00:00+08:00');
  const deps = () => ({ db: tdb.db, clock, isChatMember: async () => false });
  const moments = ['2025-11-01T00:00:00Z', '2025-12-02T00:00:00Z', '2026-01-05T00:00:00Z'].map(
    (t) => new Date(t),
  );

  const file = async (task: string, kinds: string[]) => {
    const { burstId } = await insertBurst(tdb.db, {
      chatId: 'oc_x',
      sender: PEOPLE.officer1,
      kinds,
      at: clock.now(),
    });
    const r = await fileBurst(deps(), { burstId, taskId: ids.get(task)!, actorOpenId: 'cli', via: 'cli' });
    if (r.status !== 'filed') throw new Error(r.message);
    return r.itemId;
  };

  const rows = async () =>
    queryRows<Record<string, unknown>>(
      tdb.db,
      sql`select unit_id::int as unit_id, subtree, campaign_id::int as campaign_id, due_at::text as due_at,
            total, waived, complete, partly
          from (select unit_id, subtree, campaign_id, due_at, sum(total)::int as total,
                  sum(waived)::int as waived, sum(complete)::int as complete, sum(partly)::int as partly
                from unit_progress_rows group by 1, 2, 3, 4) c
          where total <> 0 or waived <> 0 or complete <> 0 or partly <> 0
          order by 1, 2, 3, 4`,
    );

  const pendingDeltas = async () =>
    Number(
      (await queryRows<{ n: number }>(tdb.db, sql`select count(*)::int as n from unit_progress_deltas`))[0]!
        .n,
    );

  const expectCountsRight = async (step: string) => {
    const campaigns = await queryRows<{ id: number }>(tdb.db, sql`select id::int as id from campaigns`);
    for (const unit of await listUnits(tdb.db)) {
      for (const now of moments) {
        for (const campaignId of [undefined, ...campaigns.map((c) => Number(c.id))]) {
          const where = `${step}: ${unit.code} at ${now.toISOString()} campaign ${campaignId ?? 'all'}`;
          expect(await unitProgress(tdb.db, unit.id, now, { campaignId }), where).toEqual(
            await unitProgressDirect(tdb.db, unit.id, now, { campaignId }),
          );
          for (const limit of [1, 100]) {
            expect(
              await missingForUnit(tdb.db, unit.id, now, { limit, campaignId, timeZone: TZ }),
              `${where} limit ${limit}`,
            ).toEqual(
              await missingForUnit(tdb.db, unit.id, now, { limit, campaignId, direct: true, timeZone: TZ }),
            );
          }
        }
      }
    }
    const kept = await rows();
    // Folding the pending deltas in changes no figure and leaves none pending.
    await foldProgressDeltas(tdb.db);
    expect(await rows(), `${step}: folded`).toEqual(kept);
    expect(await pendingDeltas(), `${step}: pending after the fold`).toBe(0);
    await tdb.db.execute(sql`select progress_counts_rebuild()`);
    expect(kept, `${step}: rebuilt`).toEqual(await rows());
  };

  beforeAll(async () => {
    tdb = await createTestDb();
    await seedOrg(tdb.db, clock);
    await storeChecklist(tdb.db, SMALL_CHECKLIST, clock.now());
  });
  afterAll(() => tdb.close());

  it('follows tasks made, filings, undo, refiling, waiving, a second campaign and a unit moved', async () => {
    const campaign = (year: number, deadline: string) =>
      createCampaign(campaignDeps({ db: tdb.db, clock }), {
        checklistCode: 'small',
        year,
        deadline: new Date(deadline),
        parentUnitCode: 'X',
        createdBy: 'cli',
      });
    await campaign(2025, '2025-12-31T23:59:59+08:00');
    ids = await taskIds(tdb.db);
    await expectCountsRight('tasks made');

    await file('V1/C01', ['document']);
    await file('V1/C02', ['photo', 'photo']);
    await file('V1/C02', ['document']); // documents do not count for a photo task
    await file('V1/H01-01', ['photo', 'photo', 'video']);
    const undone = await file('V2/C02', ['photo', 'photo', 'photo']);
    await file('V3/C02', ['photo']);
    await expectCountsRight('filed');

    await undoFiling({ db: tdb.db, clock }, { itemId: undone, actorOpenId: 'cli', source: 'cli' });
    const moved = await file('V3/C02', ['photo', 'photo']);
    await expectCountsRight('undone');

    await refileItem(deps(), {
      itemId: moved,
      toTaskId: ids.get('V3/C01')!,
      actorOpenId: 'cli',
      source: 'cli',
    });
    await waiveTask(
      { db: tdb.db, clock },
      { taskId: ids.get('V2/C01')!, actorOpenId: 'cli', reason: '本年无会议', source: 'cli' },
    );
    await expectCountsRight('refiled and waived');

    await campaign(2026, '2026-03-31T23:59:59+08:00');
    ids = await taskIds(tdb.db);
    await expectCountsRight('second campaign');

    // 南村 (V3) moves from 乙乡 to 甲镇: its tasks now count under 甲镇, not 乙乡, including a filing
    // whose delta is not folded in yet.
    await file('V3/C01', ['document']);
    expect(await pendingDeltas()).toBeGreaterThan(0);
    await importUnits(
      { db: tdb.db, clock },
      { text: ORG_CSV.replace('V3,南村,village,T2', 'V3,南村,village,T1'), fileName: 'org.csv' },
    );
    await expectCountsRight('unit moved');
    await tdb.db.execute(
      sql`update tasks set min_count = 1 where unit_id = (select id from units where code = 'V1')`,
    );
    await tdb.db.execute(sql`update tasks set due_at = due_at + interval '40 days' where code = 'C02'`);
    await expectCountsRight('tasks changed');
  }, 300_000);

  it('adds up when many filings and folds run at once (on PostgreSQL, truly concurrently)', async () => {
    const tasks = ['V1/C01', 'V1/C02', 'V2/C02', 'V3/C01', 'V3/C02', 'V1/H01-01']; // V2/C01 is waived
    await Promise.all([
      ...Array.from({ length: 21 }, (_, i) => file(tasks[i % tasks.length]!, ['photo', 'document'])),
      ...Array.from({ length: 5 }, () => foldProgressDeltas(tdb.db)),
    ]);
    await expectCountsRight('concurrent filings and folds');
  }, 300_000);

  it('leaves a retired village out of the missing lists, even a task complete when it merged that lost its items since', async () => {
    const v1 = (await listUnits(tdb.db)).find((u) => u.code === 'V1')!;
    await retireUnit({ db: tdb.db, clock, timeZone: 'Asia/Shanghai' }, { code: 'V1', intoCode: 'V2' });
    // Its complete tasks stayed open when it merged; each loses its items now (undone one by one).
    const live = await queryRows<{ id: number }>(
      tdb.db,
      sql`select id::int as id from filing_items where unit_id = ${v1.id} and undone_at is null`,
    );
    expect(live.length).toBeGreaterThan(0);
    for (const { id } of live)
      await undoFiling({ db: tdb.db, clock }, { itemId: Number(id), actorOpenId: 'cli', source: 'cli' });
    const [owing] = await queryRows<{ n: number }>(
      tdb.db,
      sql`select count(*)::int as n from tasks where unit_id = ${v1.id} and state = 'open'`,
    );
    expect(Number(owing!.n)).toBeGreaterThan(0);
    await expectCountsRight('a village retired, its tasks emptied since');
    for (const unit of await listUnits(tdb.db))
      for (const now of moments) {
        const m = await missingForUnit(tdb.db, unit.id, now, { limit: 1000, timeZone: TZ });
        expect(
          m.items.filter((i) => i.unitId === v1.id),
          `${unit.code} at ${now.toISOString()}`,
        ).toEqual([]);
        // As many as the 逾期 and open figures above the list count (active units only).
        const p = (await unitProgress(tdb.db, unit.id, now))!;
        if (unit.id !== v1.id)
          expect(m.total, `${unit.code} at ${now.toISOString()}`).toBe(
            p.counts.total - p.counts.waived - p.counts.complete,
          );
      }
  }, 300_000);
});
