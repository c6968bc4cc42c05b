import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDay, weekMonday, zonedInstant } from '../../src/domain/working-days.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cardLinks } from '../support/cards.js';
import { waitFor } from '../support/wait-for.js';
import { addTownshipLeader, createWebWorld, type WebWorld } from './web-world.js';

const TZ = 'Asia/Shanghai';
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

  /** Monday 09:00: the digest of the week just ended (PUBLIC_URL: the bot's), a new card to the leader. */
  const digestOn = async (monday: string) => {
    const scheduler = schedulerFor(w.h.bot.deps, w.h.bot.settings.schedules, {
      publicUrl: w.h.bot.url,
      wakeJobs: () => w.h.bot.jobWorker.wake(),
    });
    const toLeader = () =>
      w.h.fake
        .sentMessages()
        .filter((m) => m.receiveId === tleader.openId && JSON.stringify(m.content).includes('进度周报'));
    const before = toLeader().length;
    await w.clock.set(zonedInstant(monday, '09:00', TZ));
    await scheduler.runDue(w.clock.now(), 'tick');
    w.h.bot.jobWorker.wake();
    const sent = await waitFor(`the digest of ${monday}`, () => toLeader()[before]);
    return sent.content as any;
  };

  it("查看全部 lists each village's 较上周 as the card's table gives it, at phone width", async () => {
    const monday = addDays(weekMonday(localDay(w.clock.now(), TZ)), 7);
    await digestOn(monday);
    // During the week 城关村 has two of its tasks waived (免交): its 完成率 rises; 河口村 stays.
    await w.h.db.db.execute(sql`update tasks set state = 'waived'
      where unit_id = ${w.units.village.id} and code in ('C02', 'C03')`);
    const card = await digestOn(addDays(monday, 7));
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
