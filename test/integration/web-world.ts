import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode, type UnitRow } from '../../src/db/repos/units.js';
import { addDays, localDay, weekMonday, zonedInstant } from '../../src/domain/working-days.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import type { SentMessage } from '../support/fake-lark/types.js';
import { waitFor } from '../support/wait-for.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import type { TestDb } from '../support/test-db.js';
import { signInCookie } from '../support/web-sign-in.js';

/**
 * The bot with the seeded county → township → 城关村 / 河口村, both villages' chats bound, one photo
 * filed in each village (#C05, through the chat), and task C01 overdue in both villages. No quiet hours
 * unless asked for, so a 督办 goes out at any time of day; the daily timers are off (tests press 督办
 * themselves).
 */
export interface WebWorld {
  h: Harness;
  org: SeededOrg;
  /** The bot's clock (tests move it: an evening 督办, the next morning). */
  clock: ManualClock;
  units: { county: UnitRow; township: UnitRow; village: UnitRow; village2: UnitRow };
  chats: { village: string; village2: string };
  itemId: number;
  materialId: number;
  /** The same kind of photo filed in 河口村 (another village). */
  item2Id: number;
  material2Id: number;
  taskC05: number;
  taskC01: number;
  /** Signs in through the fake Lark's OAuth like a browser; returns the Cookie header value. */
  signIn(user: { openId: string; name: string }): Promise<string>;
  get(path: string, cookie?: string): Promise<Response>;
  /** POSTs the 督办 form as a browser would (its fields as given: unit, _csrf, back). */
  postUrge(cookie: string, form: Record<string, string | number>): Promise<Response>;
  /** The statuses of the 督办 sends to a chat (scheduled_sends), oldest first. */
  urgeStatuses(chatId: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Registers `person` as a leader of the township (the digest and pages' township leader). */
export async function addTownshipLeader(
  w: WebWorld,
  person: { openId: string; name: string },
): Promise<void> {
  const now = w.clock.now();
  await upsertPerson(w.h.db.db, person, now);
  await addUnitRole(w.h.db.db, { unitId: w.units.township.id, openId: person.openId, role: 'leader' }, now);
}

/**
 * Next Monday 09:00 (the week after the clock's): the scheduler sends the weekly digests, with links to
 * the bot's pages; the 进度周报 card sent to `to` (an open_id) that Monday, not one of an earlier week.
 */
export async function nextMondayDigest(w: WebWorld, to: string, what: string): Promise<SentMessage> {
  const tz = w.h.bot.deps.timeZone;
  const monday = addDays(weekMonday(localDay(w.clock.now(), tz)), 7);
  const scheduler = schedulerFor(w.h.bot.deps, w.h.bot.settings.schedules, {
    publicUrl: w.h.bot.url,
    wakeJobs: () => w.h.bot.jobWorker.wake(),
  });
  const digests = () =>
    w.h.fake
      .sentMessages()
      .filter((m) => m.receiveId === to && JSON.stringify(m.content).includes('进度周报'));
  const before = digests().length;
  await w.clock.set(zonedInstant(monday, '09:00', tz));
  await scheduler.runDue(w.clock.now(), 'tick');
  w.h.bot.jobWorker.wake();
  return waitFor(what, () => digests()[before]);
}

/** The id of the task `code` (e.g. 'C01') of `unit` (one of w.units). */
/**
 * A township leader added to the world and signed in on a phone-sized page (dialogs accepted), with
 * Lark's messages made at the bot's clock (so Lark's 7 days of read receipts are the bot's 7 days);
 * the page, and the session cookie for `w.get`.
 */
export async function leaderOnPhone(
  w: WebWorld,
  browser: Browser,
  leader: { openId: string; name: string },
): Promise<{ page: Page; cookie: string }> {
  await addTownshipLeader(w, leader);
  w.h.fake.useClock(() => w.clock.now());
  w.h.fake.signInAs(leader);
  const page = await (
    await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' })
  ).newPage();
  page.on('dialog', (d) => void d.accept());
  return { page, cookie: await w.signIn(leader) };
}

export const taskIdOf = (w: WebWorld, unit: { id: number }, code: string): Promise<number> =>
  taskId(w.h.db.db, unit.id, code);

const taskId = async (db: Harness['db']['db'], unitId: number, code: string): Promise<number> => {
  const [t] = await queryRows<{ id: number }>(
    db,
    sql`select id::int as id from tasks where unit_id = ${unitId} and code = ${code}`,
  );
  if (!t) throw new Error(`no task ${code} in unit ${unitId}`);
  return Number(t.id);
};

/** The CSRF token of a page's forms. */
export const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1];

const hex = (p: string) => `${p}${randomBytes(8).toString('hex')}`;

export async function createWebWorld(
  prefix: string,
  env: Record<string, string> = {},
  /** `db`: the bot's database (e.g. one whose statements a test watches); the caller closes it. */
  o: { quietHours?: { start: string; end: string }; db?: TestDb } = {},
): Promise<WebWorld> {
  const dir = (await import('node:os')).tmpdir();
  const schedules = join(dir, `${hex('schedules-')}.yaml`);
  const q = o.quietHours;
  writeFileSync(
    schedules,
    q ? `quietHours:\n  start: '${q.start}'\n  end: '${q.end}'\n` : 'quietHours: null\n',
  );
  // The photos' bursts close when this clock is moved past their quiet window, not after real seconds.
  const clock = new ManualClock(awakeNow());
  const h = await startHarness({
    mode: 'webhook',
    clock,
    env: { SCHEDULER_ENABLED: 'false', SCHEDULES_FILE: schedules, ...env },
    ...(o.db ? { db: o.db } : {}),
  });
  const db = h.db.db;
  const org = await seedOrg(db, { prefix });
  const unit = async (code: string) => (await getUnitByCode(db, code))!;
  const units = {
    county: await unit(org.county),
    township: await unit(org.township),
    village: await unit(org.village),
    village2: await unit(`${prefix}12`),
  };
  const chats = { village: hex('oc_v_'), village2: hex('oc_w_') };
  await insertBinding(db, { chatId: chats.village, unitId: units.village.id, boundBy: null }, new Date());
  await insertBinding(db, { chatId: chats.village2, unitId: units.village2.id, boundBy: null }, new Date());
  h.fake.addChat({
    chatId: chats.village,
    name: '城关村工作群',
    members: [{ openId: org.officer, name: '王村官' }],
  });
  h.fake.addChat({
    chatId: chats.village2,
    name: '河口村工作群',
    members: [{ openId: org.officer, name: '王村官' }],
  });
  // Everything is due far away except C01 (overdue since yesterday-ish).
  await db.execute(sql`update tasks set due_at = now() + interval '200 days'
    where unit_id in (${units.village.id}, ${units.village2.id})`);
  await db.execute(sql`update tasks set due_at = now() - interval '3 days'
    where unit_id in (${units.village.id}, ${units.village2.id}) and code = 'C01'`);

  const filePhoto = async (chatId: string, seed: number) => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer, seed, size: 200 });
    await postText(h, { chatId, sender: org.officer, text: '#C05 村两委会议照片' });
    return waitOnClock(h, clock, 'the photo filed with a thumbnail', async () => {
      const [r] = await queryRows<any>(
        db,
        sql`select fi.id::int as item_id, m.id::int as material_id, fi.task_id::int as task_id
            from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
              join materials m on m.id = fim.material_id
            where m.message_id = ${messageId} and fi.undone_at is null and m.thumbnail_key is not null`,
      );
      return r;
    });
  };
  const filed = await filePhoto(chats.village, 7);
  const filed2 = await filePhoto(chats.village2, 8);
  const c01 = await taskId(db, units.village.id, 'C01');
  await h.settle();

  const w: WebWorld = {
    h,
    clock,
    org,
    units,
    chats,
    itemId: Number(filed.item_id),
    item2Id: Number(filed2.item_id),
    material2Id: Number(filed2.material_id),
    materialId: Number(filed.material_id),
    taskC05: Number(filed.task_id),
    taskC01: c01,
    get: (path, cookie) =>
      fetch(`${h.bot.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} }),
    postUrge: (cookie, form) =>
      fetch(`${h.bot.url}/urge`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(
          Object.entries(form).map(([k, v]): [string, string] => [k, String(v)]),
        ).toString(),
      }),
    urgeStatuses: async (chatId) =>
      (
        await queryRows<{ status: string }>(
          db,
          sql`select status from scheduled_sends where kind = 'urge' and target = ${chatId} order by id`,
        )
      ).map((r) => r.status),
    signIn: (user) => signInCookie(h, user, env.PUBLIC_URL),
    close: () => h.close(),
  };
  return w;
}
