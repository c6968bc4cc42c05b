import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { waitFor } from '../support/wait-for.js';
import { leaderOnPhone, createWebWorld, taskIdOf, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const READ_USERS = /^\/open-apis\/im\/v1\/messages\/[^/]+\/read_users$/;
const PAST_7_DAYS = '超过 7 天，飞书不再提供已读情况';

/**
 * Who read a 督办: the pages said when the village was last urged and what came in after it, but not
 * whether anyone in the village opened the 督办 card. The village page and the task page now say who
 * read it (Lark's read receipts of the bot's own message, names from the people table), that nobody
 * has yet, past Lark's 7 days that it no longer tells (「超过 7 天，飞书不再提供已读情况」), or — when
 * Lark cannot tell (refused, failed, too slow) — 「已读情况查不到」,
 * never an error page and never a long wait; Lark is asked at most once a minute per 督办.
 */
describe.skipIf(!hasChromium)('督办 read receipts on the leader pages', () => {
  let w: WebWorld;
  let browser: Browser;
  const tleader = { openId: 'ou_WR_tleader', name: '孙镇长' };
  /** A member of the chat the people table does not know. */
  const stranger = 'ou_wr0stranger000000000000000abcd';
  let urgedAt: Date;
  let urgeMessage: string;
  let page: Page;
  let cookie: string;
  /** 河口村's #C01 (overdue: the 督办 of the village is about it). */
  let c01: number;

  beforeAll(async () => {
    w = await createWebWorld('WR');
    browser = await launchChromium();
    ({ page, cookie } = await leaderOnPhone(w, browser, tleader));
    c01 = await taskIdOf(w, w.units.village2, 'C01');
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  const readUsersCalls = () => w.h.fake.callsTo('GET', READ_USERS);
  const villagePage = () => `${w.h.bot.url}/units/${w.units.village2.id}`;
  const readersLine = async (url = villagePage()) => {
    await page.goto(url);
    return page.locator('#urge-readers').innerText({ timeout: 5000 });
  };
  const laterBy = (ms: number) => w.clock.set(new Date(w.clock.now().getTime() + ms));

  it('a 督办 pressed on the township page: nobody has read it, then the readers by name', async () => {
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    await page.locator('#children tr', { hasText: '河口村' }).locator('button', { hasText: '督办' }).click();
    await page.waitForURL('**/urge');
    await waitFor('the 督办 delivered', async () =>
      (await w.urgeStatuses(w.chats.village2)).includes('sent'),
    );
    const [send] = await queryRows<{ message_id: string; sent_at: Date | string }>(
      w.h.db.db,
      sql`select message_id, sent_at from scheduled_sends where kind = 'urge' and target = ${w.chats.village2}`,
    );
    urgeMessage = send!.message_id;
    urgedAt = new Date(send!.sent_at);
    // The message Lark has is the 督办 card the bot posted into 河口村's chat.
    const posted = w.h.fake.sentMessages().find((m) => m.messageId === urgeMessage);
    expect(posted?.chatId).toBe(w.chats.village2);
    expect(JSON.stringify(posted?.content)).toContain('督办');

    expect(await readersLine()).toBe('还没有人读');
    expect(readUsersCalls()).toHaveLength(1);
    expect(readUsersCalls()[0]!.path).toBe(`/open-apis/im/v1/messages/${urgeMessage}/read_users`);
    expect(readUsersCalls()[0]!.query.user_id_type).toBe('open_id');

    // The officer and a member the people table does not know open it.
    w.h.fake.markRead(urgeMessage, w.org.officer);
    w.h.fake.markRead(urgeMessage, stranger);
    // A refresh within the minute shows what Lark said, without asking again.
    expect(await readersLine()).toBe('还没有人读');
    expect(readUsersCalls()).toHaveLength(1);

    await laterBy(MINUTE_MS + 1000);
    const line = await readersLine();
    expect(line).toBe('已读：王村官、未登记姓名的成员（…abcd）');
    expect(line).not.toContain('ou_');
    // Below the 上次督办 line it belongs to.
    expect(await page.locator('#last-urge').innerText()).toMatch(/^上次督办：.*孙镇长；之后还没有提交$/);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    // The task page of the task it was about says the same (Lark's answer of a moment ago).
    expect(await readersLine(`${w.h.bot.url}/tasks/${c01}`)).toBe('已读：王村官、未登记姓名的成员（…abcd）');
    expect(readUsersCalls()).toHaveLength(2);
  });

  it('a whole village read it: every page of Lark is read, ten named and the rest counted', async () => {
    for (let i = 0; i < 120; i++)
      w.h.fake.markRead(urgeMessage, `ou_wr0reader${String(i).padStart(20, '0')}`);
    await laterBy(MINUTE_MS + 1000);
    const before = readUsersCalls().length;
    expect(await readersLine()).toMatch(
      /^已读：王村官、未登记姓名的成员（…abcd）、(未登记姓名的成员（…\d{4}）、){7}未登记姓名的成员（…\d{4}） 等 122 人$/,
    );
    const calls = readUsersCalls().slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[1]!.query.page_token).toBeTruthy();
  });

  it('Lark refusing, failing or slow: 「已读情况查不到」 at once, never an error page', async () => {
    // Refused (the bot was taken out of the chat: 230002).
    w.h.fake.inject({ method: 'GET', path: READ_USERS, times: 1, fault: { code: 230002 } });
    await laterBy(MINUTE_MS + 1000);
    let res = await w.get(`/units/${w.units.village2.id}`, cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('已读情况查不到');

    // No answer at all (the connection dropped).
    w.h.fake.inject({ method: 'GET', path: READ_USERS, times: 1, fault: { reset: true } });
    await laterBy(MINUTE_MS + 1000);
    expect(await readersLine()).toBe('已读情况查不到');

    // Slow: the page does not wait for it, and the answer that comes later serves the next view.
    w.h.fake.inject({ method: 'GET', path: READ_USERS, times: 1, fault: { delayMs: 4000 } });
    await laterBy(MINUTE_MS + 1000);
    const started = Date.now();
    res = await w.get(`/units/${w.units.village2.id}`, cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('已读情况查不到');
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor('the late answer in the cache', async () =>
      (await (await w.get(`/units/${w.units.village2.id}`, cookie)).text()).includes('等 122 人'),
    );
  });

  it("past Lark's 7 days: says so (not 「查不到」, which reads as broken); Lark answers 230033, then the bot no longer asks", async () => {
    // Within the 7 days a failure is still a failure.
    w.h.fake.inject({ method: 'GET', path: READ_USERS, times: 1, fault: { code: 230002 } });
    await w.clock.set(new Date(urgedAt.getTime() + 7 * DAY_MS - 10 * MINUTE_MS));
    expect(await readersLine()).toBe('已读情况查不到');

    await w.clock.set(new Date(urgedAt.getTime() + 7 * DAY_MS + 10 * MINUTE_MS));
    const before = readUsersCalls().length;
    expect(await readersLine()).toBe(PAST_7_DAYS);
    expect(readUsersCalls()).toHaveLength(before + 1);

    await w.clock.set(new Date(urgedAt.getTime() + 8 * DAY_MS));
    expect(await readersLine()).toBe(PAST_7_DAYS);
    expect(await readersLine(`${w.h.bot.url}/tasks/${c01}`)).toBe(PAST_7_DAYS);
    // The village's row on the township page says it too.
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    expect(
      await page
        .locator('#children tr', { hasText: '河口村' })
        .locator('.urge-read')
        .innerText({ timeout: 5000 }),
    ).toBe(PAST_7_DAYS);
    expect(
      await page.locator('#overdue tr', { hasText: '河口村' }).first().locator('.last-urge').innerText(),
    ).toMatch(new RegExp(`督办过；${PAST_7_DAYS}$`));
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    expect(readUsersCalls()).toHaveLength(before + 1);
    await page.goto(villagePage());
    // The 上次督办 line is there as before.
    expect(await page.locator('#last-urge').innerText()).toContain('上次督办：');
  });
});
