import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { localDay } from '../../src/domain/working-days.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { READERS_PARALLEL } from '../../src/usecases/urge-readers.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { waitFor } from '../support/wait-for.js';
import { leaderOnPhone, createWebWorld, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };
const MINUTE_MS = 60_000;
const READ_USERS = /^\/open-apis\/im\/v1\/messages\/[^/]+\/read_users$/;
const readUsersPath = (messageId: string) => `/open-apis/im/v1/messages/${messageId}/read_users`;

/**
 * The township page's village rows said 「12月3日督办，之后还没有提交」 but not whether anyone in the
 * village opened that 督办: the leader had to open each village. Each row with a 督办 now says 「已读 N
 * 人」, 「还没有人读」 or 「已读情况查不到」 (and so does each 逾期 row that 督办 was about, which said only
 * 「督办过」), from the same read receipts and cache as the village page, with
 * one short wait for all rows together (not 1.5 s a row), at most one Lark call per 督办 message and a
 * few at a time however many villages there are.
 */
describe.skipIf(!hasChromium)('督办 read receipts on the township page’s village rows', () => {
  let w: WebWorld;
  let browser: Browser;
  const tleader = { openId: 'ou_WX_tleader', name: '钱镇长' };
  let page: Page;
  let cookie: string;

  beforeAll(async () => {
    w = await createWebWorld('WX');
    browser = await launchChromium();
    ({ page, cookie } = await leaderOnPhone(w, browser, tleader));
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  const readUsersCalls = () => w.h.fake.callsTo('GET', READ_USERS);
  const townshipUrl = () => `${w.h.bot.url}/units/${w.units.township.id}`;
  const laterBy = (ms: number) => w.clock.set(new Date(w.clock.now().getTime() + ms));
  const rowOf = (name: string) => page.locator('#children tr', { hasText: name });
  /** The first 逾期 row of a village on the township page. */
  const overdueRowOf = (name: string) => page.locator('#overdue tr', { hasText: name }).first();
  const urgeMessage = async (chatId: string) => {
    const [send] = await queryRows<{ message_id: string }>(
      w.h.db.db,
      sql`select message_id from scheduled_sends where kind = 'urge' and status = 'sent' and target = ${chatId}`,
    );
    return send!.message_id;
  };

  it('each village row says whether its 督办 was read, asked once per message and shared with the village page', async () => {
    await page.goto(townshipUrl());
    for (const name of ['城关村', '河口村']) {
      await rowOf(name).locator('button', { hasText: '督办' }).click();
      await page.waitForURL('**/urge');
      await page.goto(townshipUrl());
    }
    await waitFor(
      'both 督办 delivered',
      async () =>
        (await w.urgeStatuses(w.chats.village)).includes('sent') &&
        (await w.urgeStatuses(w.chats.village2)).includes('sent'),
    );
    const heko = await urgeMessage(w.chats.village2);
    const chengguan = await urgeMessage(w.chats.village);
    // Views before the delivery may have asked already: what follows is counted from a fresh minute.
    await laterBy(MINUTE_MS + 1000);
    const before = readUsersCalls().length;

    await page.goto(townshipUrl());
    expect(await rowOf('城关村').locator('.last-urge').innerText()).toMatch(
      /督办，之后还没有提交；还没有人读$/,
    );
    expect(await rowOf('河口村').locator('.urge-read').innerText()).toBe('还没有人读');
    // The 逾期 rows that 督办 was about say it too (they said only 「督办过」), from the same answer.
    expect(await overdueRowOf('河口村').locator('.last-urge').innerText()).toMatch(/督办过；还没有人读$/);
    // One call per 督办 message, not per row drawn or per view.
    expect(
      readUsersCalls()
        .slice(before)
        .map((c) => c.path)
        .sort(),
    ).toEqual([readUsersPath(chengguan), readUsersPath(heko)].sort());

    w.h.fake.markRead(heko, w.org.officer);
    w.h.fake.markRead(heko, 'ou_wx0stranger000000000000000abcd');
    await laterBy(MINUTE_MS + 1000);
    await page.goto(townshipUrl());
    expect(await rowOf('河口村').locator('.urge-read').innerText()).toBe('已读 2 人');
    expect(await rowOf('城关村').locator('.urge-read').innerText()).toBe('还没有人读');
    expect(await overdueRowOf('河口村').locator('.urge-read').innerText()).toBe('已读 2 人');
    expect(await overdueRowOf('城关村').locator('.urge-read').innerText()).toBe('还没有人读');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    // The village page within the minute names them from the same answer, without asking again.
    const asked = readUsersCalls().length;
    await page.goto(`${w.h.bot.url}/units/${w.units.village2.id}`);
    expect(await page.locator('#urge-readers').innerText()).toBe('已读：王村官、未登记姓名的成员（…abcd）');
    await page.goto(townshipUrl());
    expect(readUsersCalls()).toHaveLength(asked);
  });

  it('a township of many villages: one short wait for all rows, a few calls at a time, each message asked once', async () => {
    // Twelve more villages, each with a chat and a 督办 the bot posted there today.
    const p = 'WX';
    const codes = Array.from({ length: 12 }, (_, i) => `${p}${30 + i}`);
    await importUnits(
      { db: w.h.db.db, clock: w.clock },
      {
        fileName: 'units.csv',
        text: [
          'code,name,kind,parent_code',
          ...codes.map((code, i) => `${code},新${String.fromCharCode(0x4e00 + i * 7)}村,village,${p}10`),
        ].join('\n'),
      },
    );
    const now = w.clock.now();
    const today = localDay(now, w.h.bot.deps.timeZone);
    const messages: string[] = [];
    for (const [i, code] of codes.entries()) {
      const unit = (await getUnitByCode(w.h.db.db, code))!;
      const chatId = `oc_wx_many_${i}`;
      w.h.fake.addChat({ chatId, name: `${unit.name}工作群`, members: [] });
      const { messageId } = await w.h.bot.deps.gateway.sendMessage({
        receiveIdType: 'chat_id',
        receiveId: chatId,
        message: { msgType: 'text', content: JSON.stringify({ text: `督办 ${unit.name}` }) },
        uuid: `wx-many-${i}`,
      });
      messages.push(messageId);
      await w.h.db.db.execute(
        sql`insert into scheduled_sends (kind, target, period, receive_id_type, receive_id, msg_type, content,
              unit_id, status, not_after, message_id, created_at, sent_at)
            values ('urge', ${chatId}, ${today}, 'chat_id', ${chatId}, 'text', '{}', ${unit.id}, 'sent',
              ${new Date(now.getTime() + 86_400_000)}, ${messageId}, ${now}, ${now})`,
      );
    }
    // The first three were read by someone.
    for (const m of messages.slice(0, 3)) w.h.fake.markRead(m, w.org.officer);
    await laterBy(MINUTE_MS + 1000);
    const before = readUsersCalls().length;

    // Lark holds every read_users call: the page does not wait for them one row after another.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    w.h.fake.inject({ method: 'GET', path: READ_USERS, fault: { until: held } });
    let res: Response;
    try {
      res = await w.get(`/units/${w.units.township.id}`, cookie);
    } finally {
      release();
      w.h.fake.clearFaults();
    }
    expect(res.status).toBe(200);
    const html = await res.text();
    // Answered while only the first few calls had gone out and none had come back: every urged row
    // says briefly that it is not known yet.
    expect(readUsersCalls().length - before).toBe(READERS_PARALLEL);
    const villageRows = html.slice(
      html.indexOf('id="children"'),
      html.indexOf('</table>', html.indexOf('id="children"')),
    );
    expect(villageRows.match(/class="urge-read">已读情况查不到</g)).toHaveLength(14);
    // The 逾期 rows of 城关村 and 河口村 share their villages' calls: no more than the 14 below.
    expect(html.match(/class="urge-read">已读情况查不到</g)).toHaveLength(16);

    // The held calls answer and the rest follow: each of the 14 messages once.
    await waitFor('every message asked', () => readUsersCalls().length - before === 14);
    const paths = readUsersCalls()
      .slice(before)
      .map((c) => c.path);
    expect(new Set(paths).size).toBe(14);
    for (const m of messages) expect(paths).toContain(readUsersPath(m));

    // The answers that came after the page serve the next view, without asking again.
    await waitFor('the late answers in the cache', async () => {
      const again = await (await w.get(`/units/${w.units.township.id}`, cookie)).text();
      return (again.match(/class="urge-read">[^<]*</g) ?? []).every((s) => !s.includes('查不到'));
    });
    await page.goto(townshipUrl());
    const reads = await page.locator('#children .urge-read').allInnerTexts();
    expect(reads.filter((t) => t === '已读 1 人')).toHaveLength(3);
    expect(reads.filter((t) => t === '还没有人读')).toHaveLength(10);
    expect(await rowOf('河口村').locator('.urge-read').innerText()).toBe('已读 2 人');
    expect(readUsersCalls().length - before).toBe(14);
  });
});
