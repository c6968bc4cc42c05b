import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { hasChromium, launchChromium } from '../support/browser.js';
import { waitFor } from '../support/wait-for.js';
import {
  addTownshipLeader,
  createWebWorld,
  csrfOf,
  nextMondayDigest,
  taskIdOf,
  type WebWorld,
} from './web-world.js';

/**
 * The weekly digest says how often the villages were urged that week (督办 of a village's overdue
 * tasks and of one task alike, each once however many chats it reached), and the figure opens the
 * unit page's list of them over the digest's week; a week without 督办 has no such line. Before, the
 * digest said nothing of the 督办 pressed on its pages or cards.
 */
describe.skipIf(!hasChromium)('the digest’s 「上周督办 N 次」 and the list it opens', () => {
  let w: WebWorld;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tleader = { openId: 'ou_WV_tleader', name: '吴镇长' };
  beforeAll(async () => {
    w = await createWebWorld('WV');
    await addTownshipLeader(w, tleader);
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await w?.close();
  });

  const digestsTo = (openId: string) =>
    w.h.fake
      .sentMessages()
      .filter((m) => m.receiveId === openId && JSON.stringify(m.content).includes('进度周报'));

  it('counts the week’s village and task 督办, links their list, and says nothing in a week without', async () => {
    // A week without 督办: no line.
    const quiet = JSON.stringify((await nextMondayDigest(w, tleader.openId, 'the first digest')).content);
    expect(quiet).toContain('进度周报');
    expect(quiet).not.toContain('督办');

    // That Monday the leader urges 城关村's #C01, then 城关村 and 河口村 (their overdue tasks).
    const cookie = await w.signIn(tleader);
    const c01 = await taskIdOf(w, w.units.village, 'C01');
    const press = async (unitId: number, task?: number) => {
      const back = `/units/${unitId}`;
      const csrf = csrfOf(await (await w.get(back, cookie)).text())!;
      const res = await w.postUrge(cookie, { unit: unitId, ...(task ? { task } : {}), _csrf: csrf, back });
      expect(await res.text()).toContain('督办已安排发送');
    };
    await press(w.units.village.id, c01);
    await press(w.units.village.id);
    await press(w.units.village2.id);
    await waitFor('the three 督办 delivered', async () => {
      const s = [...(await w.urgeStatuses(w.chats.village)), ...(await w.urgeStatuses(w.chats.village2))];
      return s.length === 3 && s.every((x) => x === 'sent');
    });

    const card = (await nextMondayDigest(w, tleader.openId, 'the digest of the urged week')).content as any;
    const text = JSON.stringify(card);
    expect(text).toContain('上周督办 3 次（2 个村）');
    // A markdown link in the card's text, as its other figures are.
    const link = /\[上周督办 3 次（2 个村）\]\(([^)]+)\)/.exec(text)?.[1];
    expect(link).toMatch(
      new RegExp(`/units/${w.units.township.id}\\?from=\\d{4}-\\d{2}-\\d{2}&to=\\d{4}-\\d{2}-\\d{2}#urges$`),
    );
    // The county's digest (composed from its township's figures) counts the same.
    await waitFor('the county leader’s digest of that week', () =>
      digestsTo(w.org.leader).some((m) => JSON.stringify(m.content).includes('上周督办 3 次（2 个村）')),
    );

    w.h.fake.signInAs(tleader);
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    contexts.push(ctx);
    const page: Page = await ctx.newPage();
    await page.goto(link!);
    await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}`);
    expect(await page.locator('#urges-sum').innerText()).toBe('共 3 次（2 个村）');
    const items = (await page.locator('#urges + .card li').allInnerTexts()).map((t) => t.trim());
    expect(items).toHaveLength(3);
    // Delivered at the same instant (the test clock): by village, its own 督办 before its tasks'.
    expect(items[0]).toMatch(/^(\d{4}年)?\d+月\d+日 城关村：逾期的任务 城关镇领导 吴镇长$/);
    expect(items[1]).toMatch(/^(\d{4}年)?\d+月\d+日 城关村：#C01 .+ 城关镇领导 吴镇长$/);
    expect(items[2]).toMatch(/^(\d{4}年)?\d+月\d+日 河口村：逾期的任务 城关镇领导 吴镇长$/);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
  });

  it('after a week whose digest never went out: 「近 2 周督办」, those weeks’ 督办 only', async () => {
    // The Monday of the last digest, after it: 河口村 urged again; the next Monday the bot is down.
    const cookie = await w.signIn(tleader);
    const back = `/units/${w.units.village2.id}`;
    const csrf = csrfOf(await (await w.get(back, cookie)).text())!;
    const res = await w.postUrge(cookie, { unit: w.units.village2.id, _csrf: csrf, back });
    expect(await res.text()).toContain('督办已安排发送');
    await waitFor('the 督办 delivered', async () => {
      const s = await w.urgeStatuses(w.chats.village2);
      return s.length === 2 && s.every((x) => x === 'sent');
    });
    await w.clock.set(new Date(w.clock.now().getTime() + 7 * 86_400_000 + 3_600_000));
    const card = (await nextMondayDigest(w, tleader.openId, 'the digest two weeks later')).content as any;
    const text = JSON.stringify(card);
    // The three of the week before the last digest are not counted again.
    expect(text).toContain('近 2 周督办 1 次（1 个村）');
    const link = /\[近 2 周督办 1 次（1 个村）\]\(([^)]+)\)/.exec(text)?.[1];
    const page: Page = await contexts[0]!.newPage();
    await page.goto(link!);
    expect(await page.locator('#urges-sum').innerText()).toBe('共 1 次（1 个村）');
    expect((await page.locator('#urges + .card li').allInnerTexts()).map((t) => t.trim())).toEqual([
      expect.stringMatching(/^(\d{4}年)?\d+月\d+日 河口村：逾期的任务 城关镇领导 吴镇长$/),
    ]);
  });

  it('calls a 社区 one, and lists the last 30 days’ 督办 on the unit page opened without a digest', async () => {
    // The township's second village is a 社区 (居委会): the digest said 「1 个村」 of it.
    await w.h.db.db.execute(sql`update units set name = '河口社区' where id = ${w.units.village2.id}`);
    const cookie = await w.signIn(tleader);
    const back = `/units/${w.units.village2.id}`;
    const csrf = csrfOf(await (await w.get(back, cookie)).text())!;
    const res = await w.postUrge(cookie, { unit: w.units.village2.id, _csrf: csrf, back });
    expect(await res.text()).toContain('督办已安排发送');
    await waitFor('the 督办 delivered', async () => {
      const s = await w.urgeStatuses(w.chats.village2);
      return s.length === 3 && s.every((x) => x === 'sent');
    });
    const text = JSON.stringify((await nextMondayDigest(w, tleader.openId, 'the 社区’s digest')).content);
    expect(text).toContain('上周督办 1 次（1 个社区）');

    // The township's page as a leader opens it from the bot's menu (no digest week): the 督办 of the last
    // 30 days, 村 and 社区 both; before, the page had no 督办 list unless opened from a digest.
    const page: Page = await contexts[0]!.newPage();
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    expect(await page.locator('#urges').innerText()).toContain('近 30 天');
    expect(await page.locator('#urges-sum').innerText()).toBe('共 5 次（2 个村或社区）');
    const items = (await page.locator('#urges + .card li').allInnerTexts()).map((t) => t.trim());
    expect(items).toHaveLength(5);
    expect(items[4]).toMatch(/^(今天|昨天|(\d{4}年)?\d+月\d+日) 河口社区：逾期的任务 城关镇领导 吴镇长$/);
  });
});
