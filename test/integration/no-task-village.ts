import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import { BIND } from '../../src/cards/actions.js';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole } from '../../src/db/repos/people.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { waiveTask } from '../../src/usecases/waive-task.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { tapCard } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { botMembershipEvent } from '../support/events.js';
import { replyText } from './capture-helpers.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * A world (Monday 2026-11-23 10:00) with a new village `code` that has no task yet, its chat bound, and
 * a scheduler whose reminder sends waiting cards again (the filing feature's job), as in filing-chase.
 */
export async function noTaskVillage(prefix: string, code: string) {
  const w = await schedulesWorld(prefix, '2026-11-23T10:00:00+08:00');
  await importUnits(
    { db: w.h.db.db, clock: w.clock },
    {
      fileName: 'units.csv',
      text: [
        'code,name,kind,parent_code',
        `${prefix}00,${prefix}县,county,`,
        `${prefix}10,城关镇,township,${prefix}00`,
        `${code},新村,village,${prefix}10`,
      ].join('\n'),
    },
  );
  const chatId = `oc_new_${randomBytes(8).toString('hex')}`;
  w.h.fake.addChat({ chatId, name: '新村工作群', members: [{ openId: w.org.officer, name: '王村官' }] });
  const unit = (await getUnitByCode(w.h.db.db, code))!;
  await insertBinding(w.h.db.db, { chatId, unitId: unit.id, boundBy: null }, w.clock.now());
  const scheduler = schedulerFor(w.h.bot.deps, w.settings, {
    wakeJobs: () => w.h.bot.jobWorker.wake(),
    hasJobHandler: () => true,
    instance: `test-no-tasks-${prefix}`,
  });
  return { w, chatId, scheduler };
}

/** The village gets its 任务清单 (the county's `campaigns create`; `household-jzfp`: its households' tasks). */
export const giveTasks = (w: SchedulesWorld, code: string, checklistCode = 'village-jzfp') =>
  createCampaign(campaignDeps({ db: w.h.db.db, clock: w.clock }), {
    checklistCode,
    year: 2026,
    deadline: new Date('2026-12-31T00:00:00+08:00'),
    unitCodes: [code],
    createdBy: 'cli',
    code: `${code}-${checklistCode}-2026`,
  });

/** Every open task of the village (its households' included) waived (免交), as the county's 本年度不开展. */
export async function waiveAllTasks(w: SchedulesWorld, code: string): Promise<number> {
  const open = await queryRows<{ id: number }>(
    w.h.db.db,
    sql`select t.id::int as id from tasks t join units u on u.id = t.unit_id
        where u.code = ${code} and t.state = 'open'`,
  );
  for (const t of open)
    await waiveTask(
      { db: w.h.db.db, clock: w.clock },
      { taskId: t.id, actorOpenId: 'cli', reason: '本年度不开展', source: 'cli' },
    );
  return open.length;
}

/**
 * A new chat that got a photo before it was bound: the bot is added by the village's officer, the photo
 * is answered 「本群还没有绑定单位」, then the officer (given the village's 村干部 role) binds the chat to
 * `code` with the card's button. The bound card is what a test checks; `photo` the message it came under.
 */
export async function bindAfterMaterialsCame(w: SchedulesWorld, code: string) {
  const early = `oc_early_${randomBytes(8).toString('hex')}`;
  w.h.fake.addChat({ chatId: early, name: '新村新群', members: [{ openId: w.org.officer, name: '王村官' }] });
  await w.h.post(
    botMembershipEvent({
      appId: w.h.fake.appId,
      type: 'added',
      chatId: early,
      operatorOpenId: w.org.officer,
    }),
  );
  const photo = await postPhoto(w.h, { chatId: early, sender: w.org.officer });
  expect(replyText(await replyAfterQuiet(w.h, w.clock, photo))).toContain('本群还没有绑定单位');
  // The officer who added the bot works for the new village, so may bind the chat to it.
  const unit = (await getUnitByCode(w.h.db.db, code))!;
  await addUnitRole(w.h.db.db, { unitId: unit.id, openId: w.org.officer, role: 'officer' }, w.clock.now());
  const bound = await tapCard(w.h, {
    operator: w.org.officer,
    value: BIND.value({ u: unit.id }),
    chatId: early,
    messageId: `om_${randomBytes(8).toString('hex')}`,
  });
  expect(bound.toast?.type).toBe('success');
  return { bound, photo };
}

/** How many times 分开交 split the burst (its audit rows): 0 when a tap was refused. */
export async function splitsOf(w: SchedulesWorld, burstId: number): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    w.h.db.db,
    sql`select count(*)::int as n from audit_log where action = 'split' and burst_id = ${burstId}`,
  );
  return row!.n;
}
