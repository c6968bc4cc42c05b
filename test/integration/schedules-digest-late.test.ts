import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { buildDigests } from '../../src/usecases/build-digest.js';
import { loadHolidayFile } from '../../src/holiday-settings.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { waitFor } from '../support/wait-for.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

const digestsTo = (w: SchedulesWorld, openId: string) =>
  w.sentTo(openId).filter((m) => JSON.stringify(m.content).includes('进度周报'));

/**
 * A week whose digest does not go out on its day is not lost: the bot down all Monday sends it on the
 * next day it runs (once, whichever instance), and a week without a working day (春节 2026) is reported
 * by the next digest, from the end of the last one sent, its change compared with that one's figures.
 * The Tuesday run used to skip (「digest day is …」) and the next digest reported only its week before.
 */
describe('a weekly digest that did not go out on its day', () => {
  let w: SchedulesWorld | undefined;
  afterAll(() => w?.close());

  it('goes out once on the next working day when the bot was down all the digest day', async () => {
    w = await schedulesWorld('DK', '2026-11-20T12:00:00+08:00');
    // Down from Friday to Tuesday morning: Monday 23 November's 08:30 never ran.
    await w.runAt('2026-11-24T08:30:00+08:00');
    const sent = await waitFor('the missed digest', () => {
      const d = digestsTo(w!, w!.townshipLeader);
      return d.length > 0 ? d : undefined;
    });
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.content)).toContain('第47周（11月16日—22日）');
    await waitFor('the county leader’s', () => (digestsTo(w!, w!.org.leader).length > 0 ? true : undefined));
    // Wednesday, by this instance and by a second one: the week's digests went out already.
    await w.runAt('2026-11-25T08:30:00+08:00');
    const other = schedulerFor(w.h.bot.deps, w.settings, {
      holidays: loadHolidayFile(w.h.config.schedules.holidaysFile),
      wakeJobs: () => w!.h.bot.jobWorker.wake(),
      instance: 'test-DK-second',
    });
    await w.runAt('2026-11-25T09:30:00+08:00', other);
    expect(digestsTo(w, w.townshipLeader)).toHaveLength(1);
    expect(digestsTo(w, w.org.leader)).toHaveLength(1);
    const runs = await queryRows<{ day: string; outcome: any }>(
      w.h.db.db,
      sql`select to_char(slot at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day, outcome from schedule_runs
          where job = 'weekly-digest' order by slot`,
    );
    expect(runs.map((r) => [r.day, r.outcome?.week ?? r.outcome?.skipped])).toEqual([
      // Started on the Friday before: that week's digest day came before the install, not missed.
      ['2026-11-20', 'digest day 2026-11-16 was before this install'],
      ['2026-11-24', '2026-W48'],
      ['2026-11-25', 'digest of 2026-W48 already done'],
    ]);
    await w.close();
    w = undefined;
  }, 120_000);

  it('after 春节 (2026-W08 has no working day) the 24 February digest covers 9–22 February, with a change', async () => {
    w = await schedulesWorld('DJ', '2026-02-06T12:00:00+08:00');
    const world = w;
    const db = world.h.db.db;
    const file = async (code: string, counts: { photo?: number; doc?: number }, at: string) => {
      const tid = await world.taskId(world.org.village, code);
      await db.execute(sql`insert into filing_items (task_id, unit_id, kind, title, n_photo, n_document, filed_by, filed_at, via)
        select ${tid}, t.unit_id, ${counts.photo ? 'photo_group' : 'document'}, 'x', ${counts.photo ?? 0},
          ${counts.doc ?? 0}, ${world.org.officer}, ${at}::timestamptz, 'cli'
        from tasks t where t.id = ${tid}`);
    };
    await world.runAt('2026-02-09T08:30:00+08:00');
    await waitFor('the 9 February digest', () =>
      digestsTo(world, world.townshipLeader).length > 0 ? true : undefined,
    );
    await waitFor('delivered', async () => {
      const [r] = await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from scheduled_sends where kind = 'digest' and status = 'sent'`,
      );
      return Number(r?.n) >= 2 ? true : undefined;
    });
    // Filed on the 调休 Saturday before 春节 and during it; one on 23 February is the week after's.
    await file('C01', { doc: 1 }, '2026-02-14T10:00:00+08:00');
    await file('C05', { photo: 3 }, '2026-02-20T10:00:00+08:00');
    await file('C06', { doc: 1 }, '2026-02-23T10:00:00+08:00');
    for (const day of ['16', '17', '18', '19', '20', '21', '22', '23'])
      await world.runAt(`2026-02-${day}T08:30:00+08:00`);
    expect(digestsTo(world, world.townshipLeader)).toHaveLength(1);
    await world.runAt('2026-02-24T08:30:00+08:00');
    const [, late] = await waitFor('the 24 February digest', () => {
      const d = digestsTo(world, world.townshipLeader);
      return d.length > 1 ? d : undefined;
    });
    const card = late!.content as any;
    const text = JSON.stringify(card);
    expect(card.header.subtitle.content).toBe('第7—8周（2月9日—22日）');
    expect(text).toContain('**第7—8周（2月9日—22日）** 新提交 2 件、4 份材料');
    expect(text).toContain('近 2 周提交');
    // Compared with the 9 February digest's figures (3 of 50 done now, 23 February's too: completeness
    // is of now), and said so: not 「较上周」, not 「—」.
    expect(text).toContain('（较上次周报 ▲6.0 个百分点）');
    expect(text).not.toContain('较上周');
    // Its figures (and, with web pages, its links) cover the same two weeks.
    const [send] = await buildDigests(
      db,
      world.clock.now(),
      { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 },
      world.townshipLeader,
    );
    expect(send!.figures).toMatchObject({
      from: new Date('2026-02-09T00:00:00+08:00'),
      to: new Date('2026-02-23T00:00:00+08:00'),
      weeks: 2,
    });
  }, 120_000);
});
