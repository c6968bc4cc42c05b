import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole } from '../../src/db/repos/people.js';
import { runDoctor } from '../../src/ops/doctor.js';
import { CONTACT_SCOPE_GRANTED, CONTACT_SCOPE_MISSING } from '../../src/usecases/learn-person-name.js';
import { addDays, localDay, weekMonday, zonedInstant } from '../../src/domain/working-days.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { postPhoto, waitOnClock } from '../support/chat-photos.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const TZ = 'Asia/Shanghai';

/**
 * People the bot knows only by open_id (a role given before names were kept, a sender nobody
 * imported) are never shown as ou_…: pages and the digest say 「未登记姓名的成员（…tail）」 until the
 * name is learnt from Lark's contacts in the background, and then the name. A page never asks Lark.
 */
describe('names of people the bot knows only by open_id', () => {
  let w: WebWorld;
  const named = 'ou_PN_named_officer_a1b2';
  const outside = 'ou_PN_outside_range_c3d4';
  const refused = 'ou_PN_scope_refused_e5f6';
  const OPS = 'oc_PN_ops_room';
  const memberOnly = 'ou_PN_member_only_1d1d';
  const memberRefused = 'ou_PN_member_refused_2e2e';
  const contactCalls = () => w.h.fake.callsTo('GET', /^\/open-apis\/contact\/v3\/users\/ou_/).length;
  beforeAll(async () => {
    w = await createWebWorld('PN', { OPS_CHAT_ID: OPS, ALERT_CHECK_MINUTES: '0' });
    w.h.fake.addChat({ chatId: OPS, name: '县档案运维群', members: [] });
    // Two of 城关村's group members Lark's contacts will not name (outside the range; the scope refused).
    w.h.fake.state.chats
      .get(w.chats.village)!
      .members.push({ openId: memberOnly, name: '冯文书' }, { openId: memberRefused, name: '陈出纳' });
    const now = w.clock.now();
    // Two officers of 城关村 with roles but no name on record, answering for its overdue C01.
    for (const openId of [named, outside])
      await addUnitRole(w.h.db.db, { unitId: w.units.village.id, openId, role: 'officer' }, now);
    await w.h.db.db.execute(
      sql`update tasks set responsible = ${`{${named},${outside}}`}::text[]
          where unit_id = ${w.units.village.id} and code = 'C01'`,
    );
  });
  afterAll(() => w?.close());

  it('the digest and the task page say 未登记姓名的成员 with a tail, never ou_…, without asking Lark', async () => {
    const scheduler = schedulerFor(w.h.bot.deps, w.h.bot.settings.schedules, {
      wakeJobs: () => w.h.bot.jobWorker.wake(),
    });
    const monday = addDays(weekMonday(localDay(w.clock.now(), TZ)), 7);
    await w.clock.set(zonedInstant(monday, '09:00', TZ));
    await scheduler.runDue(w.clock.now(), 'tick');
    w.h.bot.jobWorker.wake();
    const digest = await waitFor('the digest to the county leader', () =>
      w.h.fake
        .sentMessages()
        .find((m) => m.receiveId === w.org.leader && JSON.stringify(m.content).includes('进度周报')),
    );
    const text = JSON.stringify(digest.content);
    expect(text).toContain('负责人 未登记姓名的成员（…a1b2）、未登记姓名的成员（…c3d4）');
    expect(text).not.toContain('ou_PN');

    // Lark has named neither yet (the hourly round asked, when the clock moved: outside its contacts).
    await w.h.settle();
    const before = contactCalls();
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const page = await (await w.get(`/tasks/${w.taskC01}`, leader)).text();
    expect(page).toContain('未登记姓名的成员（…a1b2）、未登记姓名的成员（…c3d4）');
    expect(page).not.toContain('ou_PN');
    const unit = await (await w.get(`/units/${w.units.village.id}`, leader)).text();
    expect(unit).toContain('未登记姓名的成员（…a1b2）');
    expect(unit).not.toContain('ou_PN');
    // The pages read the database only.
    expect(contactCalls()).toBe(before);
  });

  it('a week later the background round learns the name Lark now gives; the pages then show it', async () => {
    // The first is now in the app's contact range; the second still is not.
    const before = contactCalls();
    w.h.fake.addUser({ openId: named, name: '孙会计' });
    await w.clock.advance(7 * 86_400_000);
    await w.h.bot.runTimer('person-names');
    await w.h.settle();
    const [row] = await queryRows<{ name: string }>(
      w.h.db.db,
      sql`select name from people where open_id = ${named}`,
    );
    expect(row?.name).toBe('孙会计');
    expect(contactCalls()).toBe(before + 2);
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const page = await (await w.get(`/tasks/${w.taskC01}`, leader)).text();
    expect(page).toContain('孙会计、未登记姓名的成员（…c3d4）');
    // Kept: the next round that week asks Lark nothing (the one it could not name: next week).
    await w.h.bot.runTimer('person-names');
    await w.h.settle();
    expect(contactCalls()).toBe(before + 2);
  });

  it('a sender seen for the first time is named from Lark; a scope not granted leaves them unnamed, asked once', async () => {
    w.h.fake.addUser({ openId: 'ou_PN_new_sender_9f9f', name: '周文书' });
    await postPhoto(w.h, { chatId: w.chats.village, sender: 'ou_PN_new_sender_9f9f', seed: 31, size: 120 });
    // The sender's name is asked for once their burst is answered (its quiet window on the test clock).
    await waitOnClock(w.h, w.clock, 'the sender named', async () => {
      await w.h.settle();
      const [r] = await queryRows<{ name: string }>(
        w.h.db.db,
        sql`select name from people where open_id = 'ou_PN_new_sender_9f9f'`,
      );
      return r?.name === '周文书';
    });

    // Without contact:user.base:readonly Lark refuses (99991672): no retries, no name.
    w.h.fake.inject({
      method: 'GET',
      path: `/open-apis/contact/v3/users/${refused}`,
      fault: { code: 99991672 },
    });
    w.h.fake.addUser({ openId: refused, name: '吴出纳' });
    await postPhoto(w.h, { chatId: w.chats.village, sender: refused, seed: 32, size: 120 });
    await waitOnClock(w.h, w.clock, 'the lookup finished', async () => {
      await w.h.settle();
      const [j] = await queryRows<{ status: string }>(
        w.h.db.db,
        sql`select status from jobs where kind = 'learn-person-name' and key like ${`${refused}:%`}`,
      );
      return j?.status === 'done';
    });
    expect(w.h.fake.callsTo('GET', `/open-apis/contact/v3/users/${refused}`)).toHaveLength(1);
    const rows = await queryRows(w.h.db.db, sql`select 1 from people where open_id = ${refused}`);
    expect(rows).toHaveLength(0);
  });

  it('without the contact scope the IT person is told once which scope is missing and what it affects, the doctor too; once granted, one 恢复正常', async () => {
    // What the operations chat received (title and text) about names, and any refusal alert at all.
    const opsCards = () =>
      w.h.fake
        .sentMessages()
        .filter((m) => m.receiveId === OPS)
        .map((m) => {
          const c = m.content as any;
          return [c.header.title.content as string, c.body.elements[0].content as string];
        });
    const notices = () => opsCards().filter(([title]) => title!.includes('成员姓名'));
    const refusals = () => opsCards().filter(([title]) => title!.includes('飞书拒绝了应用凭证或权限'));
    const doctorLine = async () =>
      (
        await runDoctor({
          LARK_APP_ID: w.h.fake.appId,
          LARK_APP_SECRET: w.h.fake.appSecret,
          LARK_DOMAIN: w.h.fake.baseUrl,
          DATA_DIR: w.h.dataDir,
          HOST: '127.0.0.1',
          PORT: new URL(w.h.bot.url).port,
        })
      ).find((l) => l.label === '成员姓名');
    // The refused lookup before: one notice naming the scope and what it affects.
    const missing = ['告警：读不到成员姓名：缺少通讯录权限', CONTACT_SCOPE_MISSING];
    await waitFor('the contact scope notice', () => notices().length > 0);
    expect(notices()).toEqual([missing]);
    expect(CONTACT_SCOPE_MISSING).toContain('contact:user.base:readonly');
    expect(CONTACT_SCOPE_MISSING).toContain('未登记姓名的成员（…末4位）');
    // The alert rounds add nothing: no 「飞书拒绝了应用凭证或权限」, no 恢复正常 once its window passed,
    // nor for the next person Lark will not name, nor a week later when the names are asked again.
    await w.h.bot.checkAlerts();
    await w.clock.advance(31 * 60_000);
    await w.h.bot.checkAlerts();
    w.h.fake.inject({
      method: 'GET',
      path: /^\/open-apis\/contact\/v3\/users\/ou_/,
      fault: { code: 99991672 },
    });
    const second = 'ou_PN_scope_refused_0a0b';
    await postPhoto(w.h, { chatId: w.chats.village, sender: second, seed: 33, size: 120 });
    await waitOnClock(w.h, w.clock, 'the second lookup refused', async () => {
      await w.h.settle();
      return w.h.fake.callsTo('GET', `/open-apis/contact/v3/users/${second}`).length === 1;
    });
    await w.clock.advance(7 * 86_400_000);
    await w.h.bot.runTimer('person-names');
    await w.h.settle();
    await w.h.bot.checkAlerts();
    expect(notices()).toEqual([missing]);
    expect(refusals()).toEqual([]);
    // The check-up says the same, as a warning (the bot works without names).
    expect(await doctorLine()).toMatchObject({ status: 'warn' });
    expect((await doctorLine())!.detail).toContain('contact:user.base:readonly');
    expect((await doctorLine())!.detail).toContain('未登记姓名的成员（…末4位）');

    // The admin grants the scope: the next lookup Lark answers clears it, told once.
    w.h.fake.clearFaults();
    w.h.fake.addUser({ openId: 'ou_PN_after_grant_7c7c', name: '郑会计' });
    await postPhoto(w.h, { chatId: w.chats.village, sender: 'ou_PN_after_grant_7c7c', seed: 34, size: 120 });
    await waitOnClock(w.h, w.clock, 'the name after the grant', async () => {
      await w.h.settle();
      return notices().length === 2;
    });
    expect(notices()).toEqual([missing, ['恢复正常：读不到成员姓名：缺少通讯录权限', CONTACT_SCOPE_GRANTED]]);
    await w.h.bot.checkAlerts();
    expect(notices()).toHaveLength(2);
    expect(await doctorLine()).toMatchObject({ status: 'ok' });
  });
  it("a sender Lark's contacts do not name (outside the range, or the scope refused) is named as the group's member list names them, kept in people", async () => {
    w.h.fake.inject({
      method: 'GET',
      path: `/open-apis/contact/v3/users/${memberRefused}`,
      fault: { code: 99991672 },
    });
    const nameOf = async (openId: string) =>
      (
        await queryRows<{ name: string }>(w.h.db.db, sql`select name from people where open_id = ${openId}`)
      )[0]?.name;
    for (const [sender, seed] of [
      [memberOnly, 41],
      [memberRefused, 42],
    ] as const) {
      await postPhoto(w.h, { chatId: w.chats.village, sender, seed, size: 120 });
      await waitOnClock(w.h, w.clock, `${sender} looked up`, async () => {
        await w.h.settle();
        const [j] = await queryRows<{ status: string }>(
          w.h.db.db,
          sql`select status from jobs where kind = 'learn-person-name' and key like ${`${sender}:%`}`,
        );
        return j?.status === 'done';
      });
      expect(w.h.fake.callsTo('GET', `/open-apis/contact/v3/users/${sender}`)).toHaveLength(1);
    }
    // Kept as contacts' names are: the digest, pages and the catalogue (责任者/提交人) read them there.
    expect(await nameOf(memberOnly)).toBe('冯文书');
    expect(await nameOf(memberRefused)).toBe('陈出纳');
  });
});
