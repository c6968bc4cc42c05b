import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cardLinks } from '../support/cards.js';
import { addTownshipLeader, createWebWorld, nextMondayDigest, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };

/**
 * What changed since last week, village by village: the digest's table gives each village's 较上周, and
 * when the table is cut it sends the leader to 查看全部 for the whole list; the page it opens listed the
 * villages' 完成率 and 逾期 but no 较上周 at all. It now has the column, as the card computes it.
 */
describe.skipIf(!hasChromium)("the villages' 较上周 on the page the digest opens", () => {
  let w: WebWorld;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tleader = { openId: 'ou_WG_tleader', name: '孙镇长' };
  beforeAll(async () => {
    w = await createWebWorld('WG');
    await addTownshipLeader(w, tleader);
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await w?.close();
  });

  it("查看全部 lists each village's 较上周 as the card's table gives it, at phone width", async () => {
    await nextMondayDigest(w, tleader.openId, 'the digest to the township leader');
    // During the week 城关村 has two of its tasks waived (免交): its 完成率 rises; 河口村 stays.
    await w.h.db.db.execute(sql`update tasks set state = 'waived'
      where unit_id = ${w.units.village.id} and code in ('C02', 'C03')`);
    const card = (await nextMondayDigest(w, tleader.openId, 'the next digest to the township leader'))
      .content as any;
    const table = (card.body.elements as any[]).find((e) => e.tag === 'table').rows as {
      unit: string;
      chg: string;
    }[];
    const byUnit = new Map(table.map((r) => [r.unit, r.chg]));
    expect(byUnit.get('城关村')).toMatch(/^▲\d+\.\d$/);
    expect(byUnit.get('河口村')).toBe('持平');

    w.h.fake.signInAs(tleader);
    const ctx = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
    contexts.push(ctx);
    const page: Page = await ctx.newPage();
    await page.goto(new Map(cardLinks(card)).get('查看全部')!);
    await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}`);
    const heads = await page.locator('#children tr th').allInnerTexts();
    const col = heads.indexOf('较上周');
    expect(col).toBeGreaterThan(0);
    const rows = await page
      .locator('#children tr')
      .evaluateAll((trs) =>
        trs.slice(1).map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
    expect(new Map(rows.map((r) => [r[1], r[col]]))).toEqual(byUnit);
    // The column stays on screen at phone width (not folded away like 已齐/共).
    expect(await page.locator('#children td.chg').first().isVisible()).toBe(true);
    const box = await page.locator('#children td.chg').first().boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
  });
});
