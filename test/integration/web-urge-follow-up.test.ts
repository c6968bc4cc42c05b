import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { plainDate } from '../../src/domain/plain-date.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { waitFor } from '../support/wait-for.js';
import { addTownshipLeader, createWebWorld, taskIdOf, type WebWorld } from './web-world.js';

const TZ = 'Asia/Shanghai';
const PHONE = { width: 360, height: 740 };
const DAY_MS = 86_400_000;

/**
 * A leader's 督办 on the days after: the pages said 「今天已督办」 on the day and nothing from the next
 * day on, so a leader opening the township on Tuesday could not tell that 河口村 had been urged on
 * Monday, nor whether anything was handed in since. The village row, its 逾期 rows, the village page
 * and the task page now say when it was last urged (and by whom) and what came in after it.
 */
describe.skipIf(!hasChromium)('督办 followed up on the next days', () => {
  let w: WebWorld;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tleader = { openId: 'ou_WF_tleader', name: '钱镇长' };
  let c01: number;
  beforeAll(async () => {
    w = await createWebWorld('WF');
    await addTownshipLeader(w, tleader);
    c01 = await taskIdOf(w, w.units.village2, 'C01');
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await w?.close();
  });

  const phone = async (user: { openId: string; name: string }): Promise<Page> => {
    w.h.fake.signInAs(user);
    const ctx = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('dialog', (d) => void d.accept());
    return page;
  };
  const narrow = async (page: Page) =>
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );

  /** A photo into 河口村's chat with a caption naming `code`, waited for until it is filed there. */
  const fileByCaption = async (seed: number, code: string, caption: string) => {
    const messageId = await postPhoto(w.h, { chatId: w.chats.village2, sender: w.org.officer, seed });
    await postText(w.h, { chatId: w.chats.village2, sender: w.org.officer, text: `#${code} ${caption}` });
    const taskId = await taskIdOf(w, w.units.village2, code);
    await waitOnClock(w.h, w.clock, `the photo filed to ${code}`, async () => {
      const [r] = await queryRows<{ n: number }>(
        w.h.db.db,
        sql`select count(*)::int as n from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
              join materials m on m.id = fim.material_id
            where m.message_id = ${messageId} and fi.undone_at is null and fi.task_id = ${taskId}`,
      );
      return Number(r?.n) > 0;
    });
  };

  it('the township page on the next day says when 河口村 was urged and what came in since', async () => {
    const urgedOn = w.clock.now();
    let page = await phone(tleader);
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    await page.locator('#children tr', { hasText: '河口村' }).locator('button', { hasText: '督办' }).click();
    await page.waitForURL('**/urge');
    expect(await page.locator('#message').innerText()).toContain('督办已安排发送到河口村的群里');
    await waitFor('the 督办 delivered', async () =>
      (await w.urgeStatuses(w.chats.village2)).includes('sent'),
    );

    // Tuesday: the township page still shows the 督办 of Monday, and that nothing came in since.
    await w.clock.set(new Date(urgedOn.getTime() + DAY_MS));
    page = await phone(tleader);
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    const day = plainDate(urgedOn, w.clock.now(), TZ);
    const row = page.locator('#children tr', { hasText: '河口村' });
    expect(await row.innerText()).toContain(`${day}督办，之后还没有提交`);
    expect(await row.innerText()).not.toContain('今天已督办');
    // 城关村 was not urged: nothing said under it.
    expect(await page.locator('#children tr', { hasText: '城关村' }).locator('.last-urge').count()).toBe(0);
    // Its 逾期 row says it was urged (the row still lists it: still missing).
    const overdue = page.locator('#overdue tr', { hasText: '河口村' }).filter({ hasText: 'C01' });
    expect(await overdue.innerText()).toContain(`${day}督办过`);
    await narrow(page);

    // The village files #C01 on Tuesday: the village page and the task page name it as the answer.
    await fileByCaption(31, 'C01', '入户走访照片');
    // And #C02, due far away: not what was urged, so not counted as the answer to it.
    await fileByCaption(32, 'C02', '会议照片');
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    // Before: 「之后提交了 2 件」, the #C02 photo counted as an answer to a 督办 of the overdue #C01.
    expect(await page.locator('#children tr', { hasText: '河口村' }).innerText()).toContain(
      `${day}督办，之后提交了 1 件`,
    );
    await page.locator('#children tr a', { hasText: '河口村' }).click();
    await page.waitForURL(`**/units/${w.units.village2.id}`);
    const note = await page.locator('#last-urge').innerText();
    expect(note).toMatch(new RegExp(`^上次督办：${day} \\d\\d:\\d\\d，城关镇领导 钱镇长；之后提交了 1 件$`));
    await narrow(page);
    await page.goto(`${w.h.bot.url}/tasks/${c01}`);
    expect(await page.locator('#last-urge').innerText()).toContain('城关镇领导 钱镇长；之后提交了 1 件');
    await narrow(page);
  });
});
