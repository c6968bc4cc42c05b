import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cardLinks } from '../support/cards.js';
import { addTownshipLeader, createWebWorld, nextMondayDigest, type WebWorld } from './web-world.js';

/**
 * A digest after a week whose digest never went out compares with the last one sent, titled
 * 「较上次周报」; the page its 查看全部 opens compared with the exact previous week (no snapshot: 「—」
 * under 「较上周」). It now uses the digest's baseline and title, so the leader sees the card's figures.
 */
describe.skipIf(!hasChromium)('the page the digest opens, after a missed digest: 较上次周报', () => {
  let w: WebWorld;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tleader = { openId: 'ou_WM_tleader', name: '周镇长' };
  beforeAll(async () => {
    w = await createWebWorld('WM');
    await addTownshipLeader(w, tleader);
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await w?.close();
  });

  it('查看全部 titles the column 较上次周报 and gives each village the card’s change', async () => {
    await nextMondayDigest(w, tleader.openId, 'the digest to the township leader');
    // 城关村 has two of its tasks waived (免交) since; the bot is down the next Monday (no digest).
    await w.h.db.db.execute(sql`update tasks set state = 'waived'
      where unit_id = ${w.units.village.id} and code in ('C02', 'C03')`);
    await w.clock.set(new Date(w.clock.now().getTime() + 7 * 86_400_000 + 3_600_000));
    const card = (await nextMondayDigest(w, tleader.openId, 'the digest two weeks later')).content as any;
    const table = (card.body.elements as any[]).find((e) => e.tag === 'table');
    const chg = (table.columns as { name: string; display_name: string }[]).find((c) => c.name === 'chg');
    expect(chg!.display_name).toBe('较上次周报');
    const byUnit = new Map((table.rows as { unit: string; chg: string }[]).map((r) => [r.unit, r.chg]));
    expect(byUnit.get('城关村')).toMatch(/^▲\d+\.\d$/);
    expect(byUnit.get('河口村')).toBe('持平');

    w.h.fake.signInAs(tleader);
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    contexts.push(ctx);
    const page: Page = await ctx.newPage();
    const children = async () => {
      const heads = await page.locator('#children tr th').allInnerTexts();
      const rows = await page
        .locator('#children tr')
        .evaluateAll((trs) =>
          trs.slice(1).map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
        );
      const col = heads.findIndex((h) => h.startsWith('较'));
      return { head: heads[col], changes: new Map(rows.map((r) => [r[1], r[col]])) };
    };
    // Before: 「较上周」 with 「—」 for both villages (no snapshot of the week just ended).
    await page.goto(new Map(cardLinks(card)).get('查看全部')!);
    await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}`);
    expect(await children()).toEqual({ head: '较上次周报', changes: byUnit });
    // Opened without the digest's weeks, the same: this week's digest compared with that one.
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    expect(await children()).toEqual({ head: '较上次周报', changes: byUnit });

    // The next Monday's digest follows this one: 较上周 again, on the card and on the page.
    const next = (await nextMondayDigest(w, tleader.openId, 'the digest a week later')).content as any;
    const nextTable = (next.body.elements as any[]).find((e) => e.tag === 'table');
    expect(nextTable.columns.find((c: { name: string }) => c.name === 'chg').display_name).toBe('较上周');
    await page.goto(new Map(cardLinks(next)).get('查看全部')!);
    expect(await children()).toEqual({
      head: '较上周',
      changes: new Map([
        ['城关村', '持平'],
        ['河口村', '持平'],
      ]),
    });
    // The older digest's link still reads as that digest did.
    await page.goto(new Map(cardLinks(card)).get('查看全部')!);
    expect((await children()).head).toBe('较上次周报');
  });
});
