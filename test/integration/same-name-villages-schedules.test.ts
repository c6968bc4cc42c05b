import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importUnits } from '../../src/usecases/import-units.js';
import { waitFor } from '../support/wait-for.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * 城关镇 has a 城关村 (seedOrg) and here 河口镇 has one too. The reminder in 城关镇城关村's chat, the
 * escalation to 城关镇's leader and 城关镇's weekly digest named it 「城关村」 only; now 城关镇城关村, and
 * 河口村, which no other unit is called, stays 河口村. The scheduler's run on a test clock, the real SDK
 * against the fake Lark, a real database.
 */
describe('reminders, escalations and the digest name a village apart when another township has one of its name', () => {
  let w: SchedulesWorld;
  const text = (m: { content: unknown }) => JSON.stringify(m.content);

  beforeAll(async () => {
    w = await schedulesWorld('SV', '2026-11-16T07:00:00+08:00');
    await importUnits(
      { db: w.h.db.db, clock: w.clock },
      {
        fileName: 'units.csv',
        text: ['code,name,kind,parent_code', 'SV20,河口镇,township,SV00', 'SV21,城关村,village,SV20'].join(
          '\n',
        ),
      },
    );
    // 城关镇城关村's C04 six working days late on Monday 11-16: reminded, and escalated to the township.
    await w.setDue(w.org.village, 'C04', '2026-11-06');
  });
  afterAll(() => w?.close());

  it('names 城关镇城关村 on the digest, the reminder and the escalation; 河口村 stays 河口村', async () => {
    // Before: 「城关村」 on each.
    await w.runAt('2026-11-16T08:30:00+08:00');
    const digest = await waitFor('the township’s digest', () =>
      w.sentTo(w.townshipLeader).find((m) => text(m).includes('进度周报')),
    );
    expect(text(digest)).toContain('城关镇城关村');
    expect(text(digest)).toContain('河口村');
    expect(text(digest)).not.toContain('城关镇河口村');

    await w.runAt('2026-11-16T09:00:00+08:00');
    const reminder = await waitFor('the village’s reminder', () => w.sentTo(w.chats.village1)[0]);
    expect(text(reminder)).toContain('交材料提醒 · 城关镇城关村');
    const escalation = await waitFor('the escalation', () =>
      w.sentTo(w.townshipLeader).find((m) => text(m).includes('逾期未交齐')),
    );
    expect(text(escalation)).toMatch(/- 城关镇城关村 \*\*#C04/);
  });
});
