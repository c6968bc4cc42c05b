import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listScheduleRuns } from '../../src/db/repos/schedule-runs.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * A year chinese-days does not have (2027 in chinese-days 1.5.7): the county writes the State
 * Council's notice into its own holidays.yaml (HOLIDAYS_FILE), and the daily reminders follow it.
 * The dates below are a test fixture in the notice's form, not the official 2027 schedule.
 */
const HOLIDAYS_2027 = `
2027:
  holidays:
    - { name: 元旦, from: 2027-01-01, to: 2027-01-03 }
    - { name: 春节, from: 2027-02-05, to: 2027-02-12 }
  workdays:
    - { date: 2027-02-20, name: 春节 }
`;

describe("reminders in a year only the county's holidays.yaml knows", () => {
  let w: SchedulesWorld;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'county-holidays-'));
    const file = join(dir, 'holidays.yaml');
    writeFileSync(file, HOLIDAYS_2027);
    w = await schedulesWorld('CH', '2027-02-01T07:00:00+08:00', {
      harness: { env: { HOLIDAYS_FILE: file } },
    });
    // Overdue from 2027-01-29 (a Friday) on: a reminder every working day.
    await w.setDue(w.org.village, 'C03', '2027-01-29');
  });
  afterAll(async () => {
    await w?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends nothing on a weekday the file declares a holiday (Wednesday 2027-02-10, 春节)', async () => {
    await w.runAt('2027-02-10T09:00:00+08:00');
    expect(w.sentTo(w.chats.village1)).toHaveLength(0);
    const run = (await listScheduleRuns(w.h.db.db, 'daily-reminders')).find(
      (r) => r.slot.getTime() === new Date('2027-02-10T09:00:00+08:00').getTime(),
    );
    expect(run).toMatchObject({ status: 'done', outcome: { skipped: 'not a working day (春节)' } });
  });

  it('sends on the 调休 Saturday it declares (2027-02-20), and not on an ordinary Saturday (2027-02-27)', async () => {
    const before = w.sentTo(w.chats.village1).length;
    await w.runAt('2027-02-20T09:00:00+08:00');
    const sent = w.sentTo(w.chats.village1).slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.content)).toContain('村两委会议记录及签到表');
    await w.runAt('2027-02-27T09:00:00+08:00');
    expect(w.sentTo(w.chats.village1).slice(before)).toHaveLength(1);
  });
});
