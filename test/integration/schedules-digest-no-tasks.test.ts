import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { buildDigests } from '../../src/usecases/build-digest.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { waitFor } from '../support/wait-for.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * A township added before its first campaign: its leader's Monday digest says there is no 任务清单 yet
 * and who starts it, every Monday until there is one — then the usual digest. It used to get nothing,
 * week after week, with no reason.
 */
describe('the weekly digest of a unit with no tasks yet', () => {
  let w: SchedulesWorld;
  const leader = 'ou_DN_newleader';
  beforeAll(async () => {
    w = await schedulesWorld('DN', '2026-11-16T07:00:00+08:00');
    const deps = { db: w.h.db.db, clock: w.clock };
    await importUnits(deps, {
      text: 'code,name,kind,parent_code\nDN30,新区镇,township,DN00\nDN31,新区村,village,DN30',
      fileName: 'units.csv',
    });
    const township = (await getUnitByCode(w.h.db.db, 'DN30'))!;
    await upsertPerson(w.h.db.db, { openId: leader, name: '孙镇长' }, w.clock.now());
    await addUnitRole(w.h.db.db, { unitId: township.id, openId: leader, role: 'leader' }, w.clock.now());
  });
  afterAll(() => w?.close());

  const digests = () => w.sentTo(leader).filter((m) => JSON.stringify(m.content).includes('进度周报'));

  it('says 还没有任务清单 each Monday, then gives the figures once the tasks are there', async () => {
    await w.runAt('2026-11-16T08:30:00+08:00');
    const [first] = await waitFor('the digest to the new township', () =>
      digests().length > 0 ? digests() : undefined,
    );
    const text = JSON.stringify(first!.content);
    expect(text).toContain('📊 进度周报 · 新区镇');
    expect(text).toContain('还没有任务清单');
    expect(text).toContain('技术人员下发；下发后的第一个周一起');
    // A county whose digest goes out on Wednesdays is not told 「周一」.
    const [wednesday] = await buildDigests(
      w.h.db.db,
      w.clock.now(),
      { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3, weekday: 3 },
      leader,
    );
    expect(wednesday!.content).toContain('下发后的第一个周三起');
    expect(wednesday!.content).not.toContain('周一');
    expect(text).not.toContain('完成率 —');
    // The township with tasks still gets its usual digest.
    await waitFor('the usual digest', () =>
      w.sentTo(w.townshipLeader).find((m) => JSON.stringify(m.content).includes('完成率')),
    );
    // Once a week: the Tuesday run sends nothing more.
    await w.runAt('2026-11-17T08:30:00+08:00');
    expect(digests()).toHaveLength(1);
    await w.runAt('2026-11-23T08:30:00+08:00');
    await waitFor('the next Monday', () => (digests().length === 2 ? true : undefined));
    expect(JSON.stringify(digests()[1]!.content)).toContain('还没有任务清单');

    // The first campaign: the next Monday's digest gives the figures.
    await createCampaign(campaignDeps({ db: w.h.db.db, clock: w.clock }), {
      checklistCode: 'village-jzfp',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      parentUnitCode: 'DN30',
      createdBy: 'cli',
      code: 'DN30-village-2026',
    });
    await w.runAt('2026-11-30T08:30:00+08:00');
    await waitFor('the digest with tasks', () => (digests().length === 3 ? true : undefined));
    const third = JSON.stringify(digests()[2]!.content);
    expect(third).not.toContain('还没有任务清单');
    expect(third).toContain('完成率 0.0%');
  });
});
