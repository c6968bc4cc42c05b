import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay, zonedInstant } from '../../src/domain/working-days.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };
const TZ = 'Asia/Shanghai';

/**
 * The unit page's task table and the task page's 截止 said 「2026-12-03」 while every card said
 * 「12月3日」: the pages now write a date as the cards do, with the year only when it is not this one.
 * A real browser at phone width.
 */
describe.skipIf(!hasChromium)('dates on the pages as the cards write them', () => {
  let w: WebWorld;
  let browser: Browser;
  beforeAll(async () => {
    [w, browser] = await Promise.all([createWebWorld('WS'), launchChromium()]);
  });
  afterAll(() => Promise.all([browser?.close(), w?.close()]));

  it('a deadline this year as 「1月15日」, one next year with its year, on the task page and the unit page', async () => {
    const year = Number(localDay(w.clock.now(), TZ).slice(0, 4));
    const setDue = (taskId: number, day: string) =>
      w.h.db.db.execute(
        sql`update tasks set due_at = ${zonedInstant(day, '17:00', TZ).toISOString()}::timestamptz where id = ${taskId}`,
      );
    await setDue(w.taskC01, `${year}-01-15`);
    await setDue(w.taskC05, `${year + 1}-03-05`);
    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    const page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();

    await page.goto(`${w.h.bot.url}/tasks/${w.taskC01}`);
    const due = page
      .locator('div.card > dl > dt', { hasText: /^截止$/ })
      .locator('xpath=following-sibling::dd[1]');
    expect((await due.innerText()).trim()).toMatch(/^1月15日( 逾期 \d+ 天)?$/);
    await page.goto(`${w.h.bot.url}/tasks/${w.taskC05}`);
    expect((await due.innerText()).trim()).toBe(`${year + 1}年3月5日`);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );

    await page.goto(`${w.h.bot.url}/units/${w.units.village.id}`);
    // The 截止 column stays at phone width: the figure a leader opens the village for.
    const dueOf = async (code: string) =>
      (
        await page
          .locator('table#tasks tr', { has: page.locator(`a:text-matches("^${code} ")`) })
          .locator('td')
          .nth(3)
          .textContent()
      )?.trim();
    expect(await dueOf('C01')).toBe('1月15日');
    expect(await dueOf('C05')).toBe(`${year + 1}年3月5日`);
    expect(await page.locator('table#tasks').textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
  });

  it("at phone width the village page keeps each task's 截止 in view, a long title and next year's date too", async () => {
    const year = Number(localDay(w.clock.now(), TZ).slice(0, 4));
    await w.h.db.db.execute(
      sql`update tasks set title = ${'村级重大事项决策“四议两公开”会议记录及公示照片'.repeat(2)},
            due_at = ${zonedInstant(`${year + 1}-12-25`, '17:00', TZ).toISOString()}::timestamptz
          where id = ${w.taskC05}`,
    );
    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    const page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();
    await page.goto(`${w.h.bot.url}/units/${w.units.village.id}`);
    expect(await page.locator('table#tasks th', { hasText: /^截止$/ }).isVisible()).toBe(true);
    const due = page
      .locator('table#tasks tr', { has: page.locator('a:text-matches("^C05 ")') })
      .locator('td')
      .nth(3);
    expect(await due.isVisible()).toBe(true);
    expect((await due.innerText()).trim()).toBe(`${year + 1}年12月25日`);
    const box = (await due.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
  });

  it('times on the item, task, search, 大事记 and 图册 pages as the cards write them: 「12月3日 16:05」', async () => {
    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    const page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();
    const year = localDay(w.clock.now(), TZ).slice(0, 4);
    const iso = /\d{4}-\d{2}-\d{2}/;
    await page.goto(`${w.h.bot.url}/items/${w.itemId}`);
    const filed = page
      .locator('div.card > dl > dt', { hasText: /^(提交|归档)$/ })
      .locator('xpath=following-sibling::dd[1]');
    expect((await filed.innerText()).trim()).toMatch(/ \d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    // 操作记录: each row's time.
    expect(await page.locator('body').innerText()).toMatch(/\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
    for (const path of [
      `/items/${w.itemId}`,
      `/tasks/${w.taskC05}`,
      `/search?kind=photo_group&from=${year}-01-01`,
      `/units/${w.units.village.id}/chronicle?year=${year}`,
      `/units/${w.units.village.id}/album?year=${year}`,
    ]) {
      await page.goto(`${w.h.bot.url}${path}`);
      const text = await page.locator('main').innerText();
      expect(text, path).not.toMatch(iso);
      expect(text, path).toMatch(/\d{1,2}月\d{1,2}日/);
    }
  });
});
