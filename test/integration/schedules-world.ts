import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { parseScheduleSettings, type ScheduleSettings } from '../../src/scheduler/schedule-settings.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { loadHolidayFile } from '../../src/holiday-settings.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

/**
 * A county → township → two villages (seedOrg) with every task due far away, a township leader,
 * and three bound chats: village 1 (with an officer), village 2 (none) and the township. Tests move
 * the clock and call the scheduler's runDue — what the node-cron callback calls.
 */
export interface SchedulesWorld {
  h: Harness;
  clock: ManualClock;
  org: SeededOrg;
  townshipLeader: string;
  chats: { village1: string; village2: string; township: string };
  settings: ScheduleSettings;
  scheduler: Scheduler;
  /** Sets a task's due date (local end of that day). */
  setDue(unitCode: string, taskCode: string, day: string): Promise<number>;
  taskId(unitCode: string, taskCode: string): Promise<number>;
  /** Moves the clock to `iso`, runs what is due, waits for the sends. */
  runAt(iso: string, scheduler?: Scheduler): Promise<void>;
  /** Messages the fake Lark recorded for a chat id or an open_id. */
  sentTo(receiveId: string): ReturnType<Harness['fake']['sentMessages']>;
  close(): Promise<void>;
}

export const TEST_SETTINGS = {
  reminders: {
    time: '09:00',
    dueSoonDays: 3,
    escalation: { townshipAfterWorkingDays: 3, countyAfterWorkingDays: 10 },
  },
  digest: { weekday: 1, time: '08:30' },
};

export async function schedulesWorld(
  prefix: string,
  start: string,
  o: { harness?: HarnessOptions; clock?: ManualClock } = {},
): Promise<SchedulesWorld> {
  const clock = o.clock ?? new ManualClock(start);
  const h = await startHarness({
    mode: 'webhook',
    clock,
    ...o.harness,
    env: { SCHEDULER_ENABLED: 'true', ...o.harness?.env },
  });
  const db = h.db.db;
  const org = await seedOrg(db, {
    prefix,
    clock,
    year: 2026,
    deadline: new Date('2026-12-31T00:00:00+08:00'),
  });
  await db.execute(sql`update tasks set due_at = '2027-06-30T23:59:59+08:00'
    where unit_id in (select id from units where code like ${`${prefix}%`})`);
  const townshipLeader = `ou_${prefix}_tleader`;
  const township = (await getUnitByCode(db, org.township))!;
  await upsertPerson(db, { openId: townshipLeader, name: '钱镇长' }, clock.now());
  await addUnitRole(db, { unitId: township.id, openId: townshipLeader, role: 'leader' }, clock.now());
  const id = (p: string) => `${p}${randomBytes(8).toString('hex')}`;
  const chats = { village1: id('oc_v1_'), village2: id('oc_v2_'), township: id('oc_t_') };
  const bind = async (chatId: string, code: string) =>
    insertBinding(db, { chatId, unitId: (await getUnitByCode(db, code))!.id, boundBy: null }, clock.now());
  await bind(chats.village1, org.village);
  await bind(chats.village2, `${prefix}12`);
  await bind(chats.township, org.township);
  const settings = parseScheduleSettings(TEST_SETTINGS, 'Asia/Shanghai');
  const scheduler = schedulerFor(h.bot.deps, settings, {
    // The county's holidays.yaml the harness's HOLIDAYS_FILE names, read as the bot's start reads it.
    holidays: loadHolidayFile(h.config.schedules.holidaysFile),
    wakeJobs: () => h.bot.jobWorker.wake(),
    instance: `test-${prefix}`,
  });
  const taskId = async (unitCode: string, code: string) => {
    const [r] = await queryRows<{ id: number }>(
      db,
      sql`select t.id::int as id from tasks t join units u on u.id = t.unit_id
          where u.code = ${unitCode} and t.code = ${code}`,
    );
    if (!r) throw new Error(`no task ${code} in ${unitCode}`);
    return Number(r.id);
  };
  return {
    h,
    clock,
    org,
    townshipLeader,
    chats,
    settings,
    scheduler,
    taskId,
    setDue: async (unitCode, code, day) => {
      const tid = await taskId(unitCode, code);
      await db.execute(
        sql`update tasks set due_at = ${`${day}T23:59:59+08:00`}::timestamptz where id = ${tid}`,
      );
      return tid;
    },
    runAt: async (iso, s = scheduler) => {
      clock.set(iso);
      await s.runDue(clock.now());
      // The bot's own timers may have ticked meanwhile (and won the claim): let that run finish.
      await h.bot.servicesIdle();
      await h.settle();
    },
    sentTo: (receiveId) => h.fake.sentMessages().filter((m) => m.receiveId === receiveId),
    close: () => h.close(),
  };
}
