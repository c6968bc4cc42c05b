import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { runUnitsCommand } from '../../src/cli/units.js';
import { buildDigests } from '../../src/usecases/build-digest.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * An officer who left (`units people remove`) is no longer @mentioned by reminders nor named as a
 * task's owner in escalations and digests: the village's officer now is.
 */
describe('reminders after the officer named on the tasks left', () => {
  let w: SchedulesWorld;
  const newcomer = 'ou_OL_newcomer';
  const text = (m: { content: unknown }) => JSON.stringify(m.content);

  beforeAll(async () => {
    w = await schedulesWorld('OL', '2026-11-16T07:00:00+08:00');
    const db = w.h.db.db;
    // C03 overdue since 2026-11-10: past the township's 3 working days by 2026-11-17.
    await w.setDue(w.org.village, 'C03', '2026-11-10');
    await upsertPerson(db, { openId: newcomer, name: '李村官' }, w.clock.now());
    const village = (await getUnitByCode(db, w.org.village))!;
    await addUnitRole(db, { unitId: village.id, openId: newcomer, role: 'officer' }, w.clock.now());
  });
  afterAll(() => w?.close());

  it('names the officer who still holds the role while the one named on the task does', async () => {
    const opts = { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 };
    const [send] = await buildDigests(
      w.h.db.db,
      new Date('2026-11-16T08:30:00+08:00'),
      opts,
      w.townshipLeader,
    );
    expect(send!.figures.oldest[0]!.owners).toEqual(['王村官']);
  });

  it('after `units people remove`, mentions and names the village officer now', async () => {
    const lines: string[] = [];
    await runUnitsCommand(['people', 'remove', w.org.officer], {
      db: w.h.db.db,
      out: (l) => lines.push(l),
      clock: w.clock,
    });
    expect(lines.join('\n')).toContain('王村官');

    await w.runAt('2026-11-17T09:00:00+08:00');
    const [reminder] = w.sentTo(w.chats.village1);
    expect(text(reminder!)).toContain(`<at id=${newcomer}></at>`);
    expect(text(reminder!)).not.toContain(`<at id=${w.org.officer}></at>`);
    const [escalation] = w.sentTo(w.townshipLeader);
    expect(text(escalation!)).toContain('#C03');
    expect(text(escalation!)).toContain('李村官');
    expect(text(escalation!)).not.toContain('王村官');

    const [send] = await buildDigests(
      w.h.db.db,
      new Date('2026-11-23T08:30:00+08:00'),
      { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 },
      w.townshipLeader,
    );
    expect(send!.figures.oldest[0]).toMatchObject({ code: 'C03', owners: ['李村官'] });
  });
});
