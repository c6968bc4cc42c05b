import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainDate } from '../../src/domain/plain-date.js';
import { addDays, localDay, zonedInstant } from '../../src/domain/working-days.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };
const TZ = 'Asia/Shanghai';

/**
 * A village merged into its neighbour (撤并村) on the pages, in a real browser at phone width. Its tasks
 * were waived when it retired, so listed among the township's villages it read 100% — a leader took it
 * for a village that had finished. Now the township's page counts and ranks only its active villages
 * and names the merged one on a line of its own, linking to its page; that page still opens (its
 * archive is kept for good: items, 大事记, search) with 「已撤并（日期）并入 城关村」 and no 督办.
 */
describe.skipIf(!hasChromium)('a retired village on the pages', () => {
  let w: WebWorld;
  let browser: Browser;
  let page: Page;
  /** The day 河口村 merged: yesterday (a retirement is never dated in the future). */
  let mergedOn: string;
  beforeAll(async () => {
    [w, browser] = await Promise.all([createWebWorld('WR'), launchChromium()]);
    mergedOn = addDays(localDay(w.clock.now(), TZ), -1);
    const retired = await cliInProcess(
      ['units', 'retire', w.units.village2.code, '--into', w.units.village.code, '--date', mergedOn],
      {},
      w.h.db,
    );
    expect(retired.code, retired.stderr).toBe(0);
    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();
  });
  // Closing the browser closes its profiles.
  afterAll(() => Promise.all([browser?.close(), w?.close()]));

  const day = () => plainDate(zonedInstant(mergedOn, '00:00', TZ), w.clock.now(), TZ);
  const fitsPhone = async () =>
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );

  it('the township counts and ranks only 城关村, and names 河口村 apart as merged, linking to it', async () => {
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    const rows = page.locator('#children tr');
    // The heading and 城关村: no row for 河口村.
    expect(await rows.count()).toBe(2);
    const row = rows.nth(1);
    expect(await row.locator('td').nth(1).innerText()).toBe('城关村');
    expect(await page.locator('#children').innerText()).not.toContain('河口村');
    // The township's figure is its one active village's, not lifted by the merged one's waived tasks.
    const villagePercent = (await row.locator('td').nth(2).innerText()).trim();
    expect((await page.locator('#percent').innerText()).trim()).toBe(villagePercent);
    expect(villagePercent).not.toBe('100%');
    expect((await page.locator('#retired-children').innerText()).trim()).toBe(
      `已撤并：河口村（${day()}并入城关村）`,
    );
    // 城关村 is overdue (C01) and may be pressed (its row, its C01 in 逾期); nothing offers a 督办 for 河口村.
    expect(
      await page.locator(`form[action="/urge"] input[name=unit][value="${w.units.village.id}"]`).count(),
    ).toBe(2);
    expect(
      await page.locator(`form[action="/urge"] input[name=unit][value="${w.units.village2.id}"]`).count(),
    ).toBe(0);
    await fitsPhone();

    await page.locator('#retired-children a', { hasText: '河口村' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/units/${w.units.village2.id}`);
  });

  it('河口村’s own page opens with 「已撤并（日期）并入 城关村」, no figures and no 督办, its archive reachable', async () => {
    await page.goto(`${w.h.bot.url}/units/${w.units.village2.id}`);
    expect((await page.locator('h1').innerText()).trim()).toContain('河口村');
    const banner = page.locator('#retired');
    expect(await banner.locator('b').innerText()).toBe(`已撤并（${day()}）并入 城关村`);
    expect(await banner.locator('a').getAttribute('href')).toBe(`/units/${w.units.village.id}`);
    expect(await page.locator('#percent').count()).toBe(0);
    expect(await page.locator('form[action="/urge"]').count()).toBe(0);
    // Its tasks stay listed as its record (C05 handed in; the rest 不用交).
    expect(await page.locator('#tasks').innerText()).toContain('C05');
    await fitsPhone();

    // Its 大事记 still holds what it filed, and its search finds it; the item's page opens.
    await page.locator('#link-chronicle').click();
    await page.waitForLoadState('load');
    expect(await page.locator(`[data-item="${w.item2Id}"]`).count()).toBe(1);
    await page.goto(`${w.h.bot.url}/units/${w.units.village2.id}`);
    await page.locator('a', { hasText: '在本单位搜索' }).click();
    await page.waitForLoadState('load');
    await page.locator('input[name=q][maxlength]').fill('村两委');
    await page.locator('input[name=q][maxlength]').press('Enter');
    await page.waitForLoadState('load');
    expect(new URL(page.url()).searchParams.get('unit')).toBe(String(w.units.village2.id));
    expect(await page.locator(`a[href="/items/${w.item2Id}"]`).count()).toBeGreaterThan(0);
    await page.locator(`a[href="/items/${w.item2Id}"]`).first().click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/items/${w.item2Id}`);
    expect(await page.locator('body').innerText()).toContain('河口村');
    await fitsPhone();
  });

  it('a stale 督办 form for 河口村 is answered, not sent', async () => {
    const cookie = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(
      await (await w.get(`/units/${w.units.township.id}`, cookie)).text(),
    )![1]!;
    const res = await w.postUrge(cookie, { unit: w.units.village2.id, _csrf: csrf });
    expect(await res.text()).toContain('河口村已撤并，不再督办。');
    expect(await w.urgeStatuses(w.chats.village2)).toEqual([]);
  });
});
