import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ports/clock.js';
import { runCampaignsCommand } from '../../src/cli/campaigns.js';
import { fileableTasksOfUnit, taskProgress } from '../../src/db/repos/completeness.js';
import { missingForUnit } from '../../src/db/repos/completeness-missing.js';
import { unitProgress } from '../../src/db/repos/completeness-progress.js';
import { ownersOfTasks } from '../../src/db/repos/reminder-candidates.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { fileBurst } from '../../src/usecases/file-burst.js';
import { undoFiling } from '../../src/usecases/undo-filing.js';
import { waiveTask } from '../../src/usecases/waive-task.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import {
  insertBurst,
  seedOrg,
  SMALL_CHECKLIST,
  storeChecklist,
  taskIds,
  PEOPLE,
} from './campaign-fixtures.js';

/** The bot's default zone: the counts and lists below are read in it. */
const TZ = 'Asia/Shanghai';

describe('completeness (derived from filings)', () => {
  let tdb: TestDb;
  let ids: Map<string, number>;
  const clock = new ManualClock('2025-11-01T09:00:00+08:00');
  const now = new Date('2025-12-15T09:00:00+08:00');
  const unitId = async (code: string) => (await getUnitByCode(tdb.db, code))!.id;
  const deps = () => ({ db: tdb.db, clock, isChatMember: async () => false });

  /** Files a burst of `kinds` to `<unit>/<task code>` through the real use case. */
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

  beforeAll(async () => {
    tdb = await createTestDb();
    await seedOrg(tdb.db, clock);
    await storeChecklist(tdb.db, SMALL_CHECKLIST, clock.now());
    const deadline = new Date('2025-12-31T23:59:59+08:00');
    await createCampaign(campaignDeps({ db: tdb.db, clock }), {
      checklistCode: 'small',
      year: 2025,
      deadline,
      parentUnitCode: 'X',
      createdBy: 'cli',
    });
    ids = await taskIds(tdb.db);
    await file('V1/C01', ['document']); // complete (1/1)
    await file('V1/C02', ['photo', 'photo']); // partly (2/3)
    await file('V1/C02', ['document']); // documents do not count for a photo task
    await file('V1/H01-01', ['photo', 'photo', 'video']); // complete (2 photos)
    await waiveTask(
      { db: tdb.db, clock },
      { taskId: ids.get('V2/C01')!, actorOpenId: 'cli', reason: '本年无会议', source: 'cli' },
    );
    const undone = await file('V2/C02', ['photo', 'photo', 'photo']);
    await undoFiling({ db: tdb.db, clock }, { itemId: undone, actorOpenId: 'cli', source: 'cli' }); // does not count
    await file('V2/C02', ['photo', 'photo', 'photo', 'photo']); // complete
    await file('V3/C02', ['photo']);
    await file('V3/C02', ['photo', 'photo']); // two items add up: complete
  });
  afterAll(() => tdb.close());

  it('computes per-task state from live filings of accepted kinds', async () => {
    const states = Object.fromEntries(
      await Promise.all(
        [...ids.entries()].map(async ([key, id]) => {
          const p = (await taskProgress(tdb.db, id))!;
          return [key, `${p.state} ${p.filed}/${p.minCount}`];
        }),
      ),
    );
    expect(states).toEqual({
      'V1/C01': 'complete 1/1',
      'V1/C02': 'partly 2/3',
      'V1/H01-01': 'complete 2/2',
      'V1/H01-02': 'open 0/2',
      'V2/C01': 'waived 0/1',
      'V2/C02': 'complete 4/3',
      'V3/C01': 'open 0/1',
      'V3/C02': 'complete 3/3',
    });
  });

  it('rolls progress up the tree', async () => {
    const county = (await unitProgress(tdb.db, await unitId('X'), now))!;
    expect(county.counts).toEqual({
      total: 8,
      complete: 4,
      partly: 1,
      open: 2,
      waived: 1,
      overdue: 1,
      percent: 62.5,
    });
    expect(county.children.map((c) => [c.unit.code, c.counts])).toEqual([
      ['D1', { total: 0, complete: 0, partly: 0, open: 0, waived: 0, overdue: 0, percent: null }],
      ['T1', { total: 6, complete: 3, partly: 1, open: 1, waived: 1, overdue: 0, percent: 66.7 }],
      ['T2', { total: 2, complete: 1, partly: 0, open: 1, waived: 0, overdue: 1, percent: 50 }],
    ]);
    const township = (await unitProgress(tdb.db, await unitId('T1'), now))!;
    expect(township.children.map((c) => [c.unit.name, c.counts.percent, c.counts.total])).toEqual([
      ['东村', 50, 4],
      ['西村', 100, 2],
    ]);
    const village = (await unitProgress(tdb.db, await unitId('V1'), now))!;
    expect(village).toMatchObject({ unit: { fullName: '测试县/甲镇/东村' }, children: [] });
    expect(village.counts).toMatchObject({ total: 4, complete: 2, partly: 1, open: 1 });
  });

  it('lists what is missing, overdue first, then by due date', async () => {
    const m = await missingForUnit(tdb.db, await unitId('X'), now, { timeZone: TZ });
    expect(m.total).toBe(3);
    expect(
      m.items.map((i) => [i.unitName, i.code, i.overdue, i.daysOverdue, i.missingText, i.householdName]),
    ).toEqual([
      // Due 12-01 23:59:59: 14 calendar days to 12-15, as the reminders and the digest count them.
      ['南村', 'C01', true, 14, '还缺 1 份文件', null],
      ['东村', 'C02', false, 0, '还缺 1 张照片', null],
      ['东村', 'H01-02', false, 0, '还缺 2 张照片', '李四'],
    ]);
    // Who the pages name beside a missing task (负责人): its owners now, as the digest names them.
    const partly = m.items[1]!.taskId;
    expect((await ownersOfTasks(tdb.db, [partly])).get(partly)!.sort()).toEqual([
      PEOPLE.officer1,
      PEOPLE.officer2,
    ]);
    const first = await missingForUnit(tdb.db, await unitId('X'), now, { limit: 1, timeZone: TZ });
    expect(first).toMatchObject({ total: 3, items: [{ code: 'C01', unitName: '南村' }] });
    const v2 = await missingForUnit(tdb.db, await unitId('V2'), now, { timeZone: TZ });
    expect(v2).toEqual({ total: 0, items: [] });
  });

  it('prints progress and gaps on the command line', async () => {
    const out: string[] = [];
    const cli = { db: tdb.db, clock: { ...systemClock, now: () => now }, out: (l: string) => out.push(l) };
    await runCampaignsCommand(['progress', 'T1'], cli);
    expect(out).toEqual([
      '测试县/甲镇  66.7%  共 6：齐全 3，部分 1，一件没交 1，免交 1，逾期 0',
      '  东村  50%  共 4：齐全 2，部分 1，一件没交 1，免交 0，逾期 0',
      '  西村  100%  共 2：齐全 1，部分 0，一件没交 0，免交 1，逾期 0',
    ]);
    out.length = 0;
    await runCampaignsCommand(['missing', 'X', '--limit', '2'], cli);
    expect(out).toEqual([
      '测试县 还缺 3 项',
      '  逾期14天  南村 #C01 村两委会议记录：还缺 1 份文件',
      '  截止2025-12-31  东村 #C02 识别公示照片：还缺 1 张照片',
    ]);
  });

  it('can be limited to one campaign', async () => {
    const deadline = new Date('2026-12-31T23:59:59+08:00');
    const next = await createCampaign(campaignDeps({ db: tdb.db, clock }), {
      checklistCode: 'small',
      year: 2026,
      deadline,
      unitCodes: ['V3'],
      createdBy: 'cli',
    });
    const x = await unitId('X');
    expect((await unitProgress(tdb.db, x, now))!.counts.total).toBe(10);
    const only = (await unitProgress(tdb.db, x, now, { campaignId: next.campaign.id }))!;
    expect(only.counts).toMatchObject({ total: 2, open: 2, percent: 0 });
    expect((await missingForUnit(tdb.db, x, now, { campaignId: next.campaign.id, timeZone: TZ })).total).toBe(
      2,
    );
  });

  it('gives the suggestion candidates of a unit', async () => {
    const tasks = await fileableTasksOfUnit(tdb.db, await unitId('V1'));
    expect(tasks.map((t) => [t.code, t.missing, t.householdName])).toEqual([
      ['C01', 0, null],
      ['C02', 1, null],
      ['H01-01', 0, '张三'],
      ['H01-02', 2, '李四'],
    ]);
    expect(await fileableTasksOfUnit(tdb.db, await unitId('V2'))).toHaveLength(1); // C01 is waived
  });
});
