import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigests } from '../../src/usecases/build-digest.js';
import { addDays, localDay, zonedInstant } from '../../src/domain/working-days.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const TZ = 'Asia/Shanghai';

/**
 * 「逾期 N 天」 counts calendar days in the local zone, at least 1 once past due, the same on the unit
 * page, the task page and the digest: a task due at the end of yesterday is 逾期 1 天 this morning, not
 * 「逾期 0 天」, and the digest's figure for a task matches the page it links to.
 */
describe('days overdue on the pages agree with the digest', () => {
  let w: WebWorld;
  beforeAll(async () => {
    w = await createWebWorld('WD');
  });
  afterAll(() => w?.close());

  it('a task due at the end of yesterday is 逾期 1 天 on the unit page, the task page and the digest', async () => {
    const now = w.clock.now();
    const yesterday = addDays(localDay(now, TZ), -1);
    const due = new Date(zonedInstant(yesterday, '23:59', TZ).getTime() + 59_000);
    await w.h.db.db.execute(
      sql`update tasks set due_at = ${due.toISOString()}::timestamptz where id = ${w.taskC01}`,
    );
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });

    const unitPage = await (await w.get(`/units/${w.units.village.id}`, leader)).text();
    const row = /<table id="overdue">[\s\S]*?<\/table>/.exec(unitPage)![0];
    expect(row).toContain('C01');
    expect(row).toMatch(/class="n bad">1 天/);
    expect(row).not.toMatch(/>0 天/);

    const taskPage = await (await w.get(`/tasks/${w.taskC01}`, leader)).text();
    expect(taskPage).toMatch(/逾期 1 天/);

    const sends = await buildDigests(
      w.h.db.db,
      now,
      { timeZone: TZ, oldestOverdue: 5, validDays: 3 },
      w.org.leader,
    );
    const c01 = sends[0]!.figures.oldest.find((o) => o.code === 'C01' && o.unitName === '城关村')!;
    expect(c01.overdueDays).toBe(1);
  });
});
