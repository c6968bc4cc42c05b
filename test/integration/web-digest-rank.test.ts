import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cardLinks } from '../support/cards.js';
import { addTownshipLeader, createWebWorld, nextMondayDigest, type WebWorld } from './web-world.js';

/**
 * Villages level on 完成率 (early in a campaign many sit at 0.0 %) are ranked by fewer 逾期, then name,
 * on the digest card and on the page its 查看全部 opens alike: the card's 最差 is the page's last. The
 * page ranked by 完成率 alone, so the card's 最差 could be the page's first.
 */
describe.skipIf(!hasChromium)('the digest card and the unit page rank villages alike on ties', () => {
  let w: WebWorld;
  let browser: Browser;
  const tleader = { openId: 'ou_RK_tleader', name: '钱镇长' };
  beforeAll(async () => {
    w = await createWebWorld('RK');
    await addTownshipLeader(w, tleader);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it("the card's 最差 is the page's last, its 最好 the page's first", async () => {
    // Both villages have filed the same (one photo for C05): level on 完成率. 城关村 (first by name and
    // code) has one more task overdue: it is the worse of the two.
    await w.h.db.db.execute(
      sql`update tasks set due_at = now() - interval '3 days' where unit_id = ${w.units.village.id} and code = 'C02'`,
    );
    const digest = await nextMondayDigest(w, tleader.openId, 'the digest to the township leader');
    const card = digest.content as any;
    const text = JSON.stringify(card);
    const village = w.units.village.name;
    const village2 = w.units.village2.name;
    const best = /🏆 最好：(\S+) /.exec(text)![1];
    const worst = /⚠️ 最差：(\S+) /.exec(text)![1];
    expect([best, worst]).toEqual([village2, village]);
    // The card's table, worst first.
    const table = (card.body.elements as any[]).find((e) => e.tag === 'table');
    expect(table.rows.map((r: any) => r.unit)).toEqual([village, village2]);
    expect(table.rows[0].pct).toBe(table.rows[1].pct);

    w.h.fake.signInAs(tleader);
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const [, all] = cardLinks(card).find(([t]) => t === '查看全部')!;
    await page.goto(all);
    const rows = await page
      .locator('#children tr')
      .evaluateAll((trs) =>
        trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
    // 排名 and 单位, best first: the card's table read from its end.
    expect(rows.map(([n, unit]) => [n, unit])).toEqual([
      ['1', village2],
      ['2', village],
    ]);
    await ctx.close();
  });
});
