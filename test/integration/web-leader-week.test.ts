import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualityProblems } from '../../src/db/repos/page-unit.js';
import { plainDay } from '../../src/domain/plain-date.js';
import { addDays, localDay, weekMonday, zonedInstant } from '../../src/domain/working-days.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importHouseholds } from '../../src/usecases/import-units.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cardLinks, cardMarkdownLinks } from '../support/cards.js';
import { postPhoto, waitOnClock } from '../support/chat-photos.js';
import { waitFor } from '../support/wait-for.js';
import { addTownshipLeader, createWebWorld, nextMondayDigest, type WebWorld } from './web-world.js';

const TZ = 'Asia/Shanghai';
const PHONE = { width: 360, height: 740 };

/**
 * A township leader's Monday in a real browser at phone size: the digest card's buttons each open a
 * page of the leader's own units showing the card's figures (same week, same scope), 督办 from a page
 * the card opened comes back to that page (the week kept), and the county above is not shown.
 */
describe.skipIf(!hasChromium)("a township leader's week: digest card → pages → 督办", () => {
  let w: WebWorld;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tleader = { openId: 'ou_WK_tleader', name: '钱镇长' };
  /** The Monday digest's buttons and headline, for the days after. */
  let links: Map<string, string>;
  let head: { percent: string; overdue: number };
  /** The Monday digest card as Lark received it. */
  let mondayCard: any;
  /** The next Monday's card (the households' deadline among its dates). */
  let nextCard: any;
  let leaderPage: Page;
  beforeAll(async () => {
    w = await createWebWorld('WK');
    await addTownshipLeader(w, tleader);
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
    return ctx.newPage();
  };
  /** What a unit page shows, as the card names it. */
  const figures = async (page: Page) => {
    const text = await page.locator('body').innerText();
    const children = await page
      .locator('#children tr')
      .evaluateAll((rows) =>
        rows.slice(1).map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
    return {
      percent: await page.locator('#percent').innerText(),
      overdue: Number(/逾期 (\d+) 项/.exec(text)?.[1]),
      children: children.map(([, unit, pct, , chg, od]) => ({ unit, pct, chg, od: Number(od) })),
      compressed: Number(/照片被压缩[^：]*：(\d+)/.exec(text)?.[1]),
      period: await page.locator('#quality-period').innerText(),
      width: await page.evaluate<number>('document.documentElement.scrollWidth'),
    };
  };

  /**
   * Walks a paged list of tasks (`prefix`: due, overdue) from its first page to its last by 「还有N项」,
   * each page saying which of the `total` it shows, none wider than the phone; then back to the first.
   * Returns the last task's link.
   */
  const everyPage = async (page: Page, prefix: string, table: string, total: number) => {
    const seen = new Set<string>();
    let last = '';
    for (let shown = 0; ;) {
      const rows = await page
        .locator(`${table} tr a[href^="/tasks/"]`)
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBeLessThanOrEqual(50);
      // Which of them this page shows, out of how many: never a page that looks like the whole list.
      expect(await page.locator(`#${prefix}-range`).count()).toBe(1);
      expect(await page.locator(`#${prefix}-range`).innerText()).toContain(
        `第 ${shown + 1}—${shown + rows.length} 项，共 ${total} 项`,
      );
      for (const r of rows) seen.add(r);
      last = rows.at(-1)!;
      shown += rows.length;
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        PHONE.width,
      );
      if (shown === total) {
        expect(await page.locator(`#${prefix}-more`).count()).toBe(0);
        break;
      }
      expect(await page.locator(`#${prefix}-more`).innerText()).toBe(`还有 ${total - shown} 项，下一页 ›`);
      await page.locator(`#${prefix}-more`).click();
      await page.waitForLoadState('load');
    }
    expect(seen.size).toBe(total);
    // A later page leads back to the first.
    await page.locator(`#${prefix}-first`).click();
    await page.waitForLoadState('load');
    expect(await page.locator(`#${prefix}-range`).innerText()).toContain(`第 1—50 项，共 ${total} 项`);
    return last;
  };

  /**
   * A page past the end of a list (its 「下一页」 drawn before tasks were done meanwhile): it shows no
   * task, and says how many there are, not 「第 151—151 项」, with the way back to the first page.
   */
  const pastTheEnd = async (
    page: Page,
    { prefix, table, param, value }: { prefix: string; table: string; param: string; value: string },
    total: number,
  ) => {
    const url = new URL(page.url());
    url.searchParams.set(param, value);
    await page.goto(url.toString());
    await page.waitForLoadState('load');
    expect(await page.locator(`${table} a[href^="/tasks/"]`).count()).toBe(0);
    expect(await page.locator('body').innerText()).toContain('后面没有了。');
    expect((await page.locator(`#${prefix}-range`).innerText()).trim()).toBe(`共 ${total} 项 回到第一页`);
    expect(await page.locator(`#${prefix}-more`).count()).toBe(0);
    await page.locator(`#${prefix}-first`).click();
    await page.waitForLoadState('load');
    expect(await page.locator(`#${prefix}-range`).innerText()).toContain(`第 1—50 项，共 ${total} 项`);
  };

  it("every button of the card opens the leader's unit with the card's figures; 督办 comes back to it", async () => {
    const monday = addDays(weekMonday(localDay(w.clock.now(), TZ)), 7);
    const card = (mondayCard = (
      await nextMondayDigest(w, tleader.openId, 'the digest to the township leader')
    ).content as any);
    const weekName = card.header.subtitle.content as string;
    const text = JSON.stringify(card);
    const [, pct, od] = /完成率 ([\d.]+%)\*\*.*?逾期 \*\*(\d+)\*\* 项/.exec(text)!;
    head = { percent: pct!, overdue: Number(od) };
    const compressed = Number(/压缩照片 (\d+) 张/.exec(text)![1]);
    const filed = Number(/新提交 (\d+) 件/.exec(text)![1]);
    const table = (card.body.elements as any[]).find((e) => e.tag === 'table').rows as {
      unit: string;
      pct: string;
      chg: string;
      od: number;
    }[];
    links = new Map(cardLinks(card));
    const week = `from=${addDays(monday, -7)}&to=${addDays(monday, -1)}`;

    const page = (leaderPage = await phone(tleader));
    // 查看全部 and 查看质量问题: the township, its figures, its villages' rows, the week's problems.
    for (const name of ['查看全部', '查看质量问题']) {
      await page.goto(links.get(name)!);
      await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}` && u.search === `?${week}`);
      const f = await figures(page);
      expect(f, name).toMatchObject({ ...head, compressed, period: weekName });
      expect(await page.locator('#digest-figures').innerText({ timeout: 3000 }), name).toContain(
        `完成率 ${head.percent}，逾期 ${head.overdue} 项`,
      );
      expect(
        f.children.sort((a, b) => a.unit!.localeCompare(b.unit!)),
        name,
      ).toEqual(
        table
          .map(({ unit, pct, chg, od }) => ({ unit, pct, chg, od }))
          .sort((a, b) => a.unit.localeCompare(b.unit)),
      );
      expect(f.width, name).toBeLessThanOrEqual(PHONE.width);
    }
    // Each village's button: that village, with its row's figures.
    for (const row of table) {
      await page.goto(links.get(row.unit)!);
      await page.waitForLoadState('load');
      const f = await figures(page);
      expect(await page.locator('h1').innerText()).toContain(row.unit);
      expect(f, row.unit).toMatchObject({ percent: row.pct, overdue: row.od, period: weekName });
      expect(f.width, row.unit).toBeLessThanOrEqual(PHONE.width);
    }
    // 查看上周提交: the week's items, as many as the card counts.
    await page.goto(links.get('查看上周提交')!);
    expect(await page.locator('#result-count').innerText()).toContain(`共 ${filed} 件`);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    // It says what it lists (the township, the card's week), and leads back up to the township.
    expect(await page.locator('#search-scope').innerText()).toBe(`${w.units.township.name} · ${weekName}`);
    await page.locator('.crumbs a', { hasText: w.units.township.name }).click();
    await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}`);

    // 督办 from the village page the card opened; 返回 comes back to that page, still over the week.
    await page.goto(links.get('河口村')!);
    page.on('dialog', (d) => void d.accept());
    await page.locator('button', { hasText: '督办' }).first().click();
    await page.waitForURL((u) => u.pathname === '/urge');
    expect(await page.locator('#message').innerText()).toContain('督办已安排发送到河口村的群里');
    await page.locator('#back').click();
    await page.waitForURL((u) => u.pathname === `/units/${w.units.village2.id}` && u.search === `?${week}`, {
      timeout: 5000,
    });
    expect(await figures(page)).toMatchObject({ period: weekName });
    expect(await page.locator('body').innerText()).toContain('今天已督办');

    // The county above the township is not the township leader's to see.
    expect((await page.goto(`${w.h.bot.url}/units/${w.units.county.id}`))!.status()).toBe(404);
  });

  it('each of the four headline figures opens the page behind it, as the buttons below do', async () => {
    const card = mondayCard;
    const text = JSON.stringify(card);
    const filed = Number(/新提交 (\d+) 件/.exec(text)![1]);
    // The figures' row: 「**[figure](url)**」 over its grey label, one column each.
    const row = (card.body.elements as any[]).find((e) => e.tag === 'column_set');
    const figure = new Map<string, [string, string]>(
      (row.columns as any[]).map((c) => {
        const content = c.elements[0].content as string;
        const label = /<font color='grey'>(.+)<\/font>/.exec(content)![1]!;
        const [link] = cardMarkdownLinks(c);
        expect(link, label).toBeDefined();
        return [label, link!];
      }),
    );
    expect([...figure.keys()]).toEqual(['完成率', '逾期', '上周提交', '质量问题']);
    const heading = cardMarkdownLinks(card).find(([t]) => t.startsWith('最久未交齐'))!;
    // The same pages as 查看全部, the 最久未交齐 heading, 查看上周提交 and 查看质量问题.
    expect(figure.get('完成率')![1]).toBe(links.get('查看全部'));
    expect(figure.get('逾期')![1]).toBe(heading[1]);
    expect(figure.get('上周提交')![1]).toBe(links.get('查看上周提交'));
    expect(figure.get('质量问题')![1]).toBe(links.get('查看质量问题'));
    const page = leaderPage;
    const narrow = async () =>
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        PHONE.width,
      );
    // 完成率: the township's page showing that figure.
    const [percent, all] = figure.get('完成率')!;
    expect(percent).toBe(head.percent);
    await page.goto(all);
    expect(await page.locator('#percent').innerText()).toBe(percent);
    await narrow();
    // 逾期: the township's 逾期 list, that many tasks long.
    const [overdue, overdueUrl] = figure.get('逾期')!;
    expect(Number(overdue)).toBe(head.overdue);
    await page.goto(overdueUrl);
    expect(await page.locator('#overdue tr').count()).toBe(Number(overdue) + 1);
    await narrow();
    // 上周提交: the week's items, saying the figure (their materials) beside the card's line (their items).
    await page.goto(figure.get('上周提交')![1]);
    expect(await page.locator('#result-count').innerText()).toBe(
      `共 ${filed} 件，${figure.get('上周提交')![0]}材料`,
    );
    await narrow();
    // 质量问题: the week's problems on the township's page, adding up to the figure.
    const [problems, qualityUrl] = figure.get('质量问题')!;
    await page.goto(qualityUrl);
    const listed = async (id: string) =>
      Number(/：(\d+)/.exec(await page.locator(`#${id} b`).first().innerText())![1]);
    // The figure itself (共 N 个), and the three lists adding up to it.
    expect(await page.locator('#quality-total').innerText()).toBe(problems);
    expect(
      (await listed('q-compressed')) + (await listed('q-undescribed')) + (await listed('q-failed')),
    ).toBe(Number(problems));
    expect(Number(problems)).toBeGreaterThan(0);
    await narrow();
  });

  it('最久未交齐 and 接下来的截止日期 open the pages behind them; someone below the township is refused', async () => {
    const card = mondayCard;
    const week = new URL(links.get('查看全部')!).search;
    const md = cardMarkdownLinks(card);
    const page = leaderPage;
    // The heading: the township's 逾期 list, as many as the card says are overdue.
    const [heading, headingUrl] = md.find(([t]) => t.startsWith('最久未交齐'))!;
    expect(heading).toContain(`逾期 ${head.overdue} 项`);
    await page.goto(headingUrl);
    await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}` && u.search === week);
    expect(await page.locator('#overdue tr').count()).toBe(head.overdue + 1);
    // Each of the oldest: that task's page, overdue as many days as the line says.
    const text = (card.body.elements as any[])
      .filter((e) => e.tag === 'markdown')
      .map((e) => e.content as string)
      .join('\n');
    const lines = md.filter(([, url]) => new URL(url).pathname.startsWith('/tasks/'));
    expect(lines.length).toBeGreaterThan(0);
    for (const [line, url] of lines) {
      const [, code, title] = /#(\S+) (\S+)/.exec(line)!;
      await page.goto(url);
      await page.waitForLoadState('load');
      expect(await page.locator('h1').innerText()).toBe(`${code} ${title}`);
      // The line as the card reads: 「[村 #code title](link)：还缺…，逾期 N 天…」.
      const mdLine = text.split('\n').find((l) => l.includes(`(${url})`))!;
      const days = /\)：[^，]+，逾期 (\d+) 天/.exec(mdLine)![1];
      expect(await page.locator('body').innerText()).toContain(`逾期 ${days} 天`);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        PHONE.width,
      );
    }
    // Each deadline: that day's open tasks under the township, as many as the line counts.
    const deadlines = md.filter(([t]) => /项未齐$/.test(t));
    expect(deadlines.length).toBeGreaterThan(0);
    for (const [line, url] of deadlines) {
      const open = Number(/：(\d+) 项未齐/.exec(line)![1]);
      await page.goto(url);
      await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}`);
      expect(await page.locator('#due').innerText()).toContain(line.split('：')[0]!);
      expect(Number(await page.locator('#due-count').innerText())).toBe(open);
      expect(await page.locator('#due-tasks tr').count()).toBe(Math.min(open, 50) + 1);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        PHONE.width,
      );
    }
    // 城关村's officer may see 城关村 only: the township's lists and 河口村's tasks are not theirs.
    const officer = await phone({ openId: w.org.officer, name: '王村官' });
    for (const [, url] of [[heading, headingUrl], ...deadlines])
      expect((await officer.goto(url!))!.status(), url).toBe(404);
    const [, hekou] = lines.find(([t]) => t.startsWith('河口村'))!;
    expect((await officer.goto(hekou))!.status()).toBe(404);
    w.h.fake.signInAs(tleader);
  });

  it("opened on Wednesday, when a deadline has passed since, the page still shows the card's figures beside today's", async () => {
    const monday = localDay(w.clock.now(), TZ);
    await w.clock.set(zonedInstant(addDays(monday, 2), '10:00', TZ));
    // C02 of 城关村 fell due on Tuesday: one more overdue now than the card says.
    await w.h.db.db.execute(
      sql`update tasks set due_at = ${zonedInstant(addDays(monday, 1), '18:00', TZ)}
          where unit_id = ${w.units.village.id} and code = 'C02'`,
    );
    const page = leaderPage;
    await page.goto(links.get('查看全部')!);
    await page.waitForLoadState('load');
    const text = await page.locator('body').innerText();
    expect(Number(/逾期 (\d+) 项/.exec(text)?.[1])).toBe(head.overdue + 1);
    expect(await page.locator('#digest-figures').innerText({ timeout: 3000 })).toContain(
      `${plainDay(monday, localDay(w.clock.now(), TZ))}周报里：完成率 ${head.percent}，逾期 ${head.overdue} 项`,
    );
    // Without the digest's week (the page's own link), no such line.
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    expect(await page.locator('#digest-figures').count()).toBe(0);
  });

  it('the login ran out while the page was open: 督办 says nothing was done, and 重新登录 comes back to the page', async () => {
    const page = leaderPage;
    const villageUrl = links.get('城关村')!;
    await page.goto(villageUrl);
    await page.waitForLoadState('load');
    await w.clock.advance((w.h.bot.config.web.sessionHours + 1) * 3600_000);
    const urges = () =>
      w.h.fake
        .sentMessages()
        .filter((m) => m.receiveId === w.chats.village && JSON.stringify(m.content).includes('📌 督办'));
    const before = urges().length;
    await page.locator('#overdue button', { hasText: '督办' }).first().click();
    await page.waitForURL((u) => u.pathname === '/urge');
    expect(await page.locator('#message').innerText()).toContain('刚才的操作没有完成');
    await w.h.settle();
    expect(urges()).toHaveLength(before);
    // 重新登录: Lark's sign-in, then the same page, still over the digest's week; pressed again, it goes.
    await page.locator('#back', { hasText: '重新登录' }).click();
    await page.waitForURL((u) => villageUrl.endsWith(`${u.pathname}${u.search}`), { timeout: 5000 });
    await page.locator('#overdue button', { hasText: '督办' }).first().click();
    await page.waitForURL((u) => u.pathname === '/urge');
    expect(await page.locator('#message').innerText()).toContain('督办已安排发送到城关村的群里');
    await waitFor('the 督办 in 城关村工作群', () => urges().length === before + 1);
  });

  it('a deadline with more open tasks than a page: 「还有N项」 leads on until every one the line counts is shown', async () => {
    // Seven households of 城关村 get their 一户一档 (16 items each), all due on next Wednesday.
    const monday = addDays(weekMonday(localDay(w.clock.now(), TZ)), 7);
    const wednesday = addDays(monday, 2);
    const deps = { db: w.h.db.db, clock: w.clock };
    await importHouseholds(deps, {
      fileName: 'households.csv',
      text: [
        'village_code,code,head_name',
        ...[1, 2, 3, 4, 5, 6, 7].map((n) => `${w.org.village},${n},户主${n}`),
      ].join('\n'),
    });
    await createCampaign(campaignDeps(deps), {
      checklistCode: 'household-jzfp',
      year: Number(wednesday.slice(0, 4)),
      deadline: zonedInstant(wednesday, '18:00', TZ),
      unitCodes: [w.org.village],
      createdBy: 'cli',
      code: 'WK-household',
    });
    // Next Monday's digest names that day with its count, linked to the township's list for the day.
    const digest = (nextCard = (
      await nextMondayDigest(w, tleader.openId, 'the next digest to the township leader')
    ).content as any);
    const [line, url] = cardMarkdownLinks(digest).find(([, u]) => u.includes(`due=${wednesday}`))!;
    const open = Number(/：(\d+) 项未齐/.exec(line)![1]);
    expect(open).toBeGreaterThanOrEqual(7 * 16);
    // The leader's login has run out since Monday's card: a new sign-in, then the list.
    const page = await phone(tleader);
    await page.goto(url);
    await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}` && u.hash === '#due');
    expect(Number(await page.locator('#due-count').innerText())).toBe(open);
    const last = await everyPage(page, 'due', '#due-tasks', open);
    // After the last task (the page after it, opened once it was the last): none shown, no 「第 a—b 项」.
    const value = last.split('/').at(-1)!;
    await pastTheEnd(page, { prefix: 'due', table: '#due-tasks', param: 'due_after', value }, open);
  });

  it('the 逾期 figure when more than a page is overdue: the list says how many it shows and leads to every one', async () => {
    // Thursday: the households' Wednesday deadline has passed, over a hundred tasks overdue at once.
    await w.clock.set(zonedInstant(addDays(localDay(w.clock.now(), TZ), 3), '10:00', TZ));
    const row = (nextCard.body.elements as any[]).find((e) => e.tag === 'column_set');
    const [, url] = cardMarkdownLinks(row.columns[1])[0]!;
    expect(row.columns[1].elements[0].content).toContain('逾期');
    const page = await phone(tleader);
    await page.goto(url);
    await page.waitForURL((u) => u.pathname === `/units/${w.units.township.id}` && u.hash === '#overdue');
    // The list's heading counts what the page's figure counts, not the 50 shown.
    expect(await page.locator('#overdue-count').count()).toBe(1);
    const overdue = Number(await page.locator('#overdue-count').innerText());
    expect(overdue).toBeGreaterThan(7 * 16);
    expect(await page.locator('body').innerText()).toContain(`逾期 ${overdue} 项`);
    await everyPage(page, 'overdue', '#overdue', overdue);
    const value = String(Math.ceil(overdue / 50) + 1);
    await pastTheEnd(page, { prefix: 'overdue', table: '#overdue', param: 'overdue_page', value }, overdue);
  });

  it('more compressed photos than the quality list shows: the leader pages through all of them', async () => {
    // Nine more chat-compressed photos from 城关村 today: eleven in the last 30 days with the world's two.
    const posted: string[] = [];
    for (let i = 0; i < 9; i++)
      posted.push(
        await postPhoto(w.h, { chatId: w.chats.village, sender: w.org.officer, seed: 900 + i, size: 200 }),
      );
    await waitOnClock(w.h, w.clock, 'the nine photos stored', async () => {
      const [r] = await queryRows<{ n: number }>(
        w.h.db.db,
        sql`select count(*)::int as n from materials
            where message_id = any(${`{${posted.join(',')}}`}::text[]) and quality = 'compressed'`,
      );
      return r?.n === 9;
    });
    // The digest's 质量问题 opens the week's problems; 看近 30 天 the last 30 days.
    const row = (nextCard.body.elements as any[]).find((e) => e.tag === 'column_set');
    const [, url] = cardMarkdownLinks(row.columns[3])[0]!;
    const page = await phone(tleader);
    await page.goto(url);
    await page.locator('#quality a', { hasText: '看近' }).click();
    await page.waitForURL((u) => u.search === '');
    const heading = await page.locator('#q-compressed b').innerText();
    const total = Number(/：(\d+)/.exec(heading)![1]);
    expect(total).toBe(11);
    const listed = () => page.locator('#q-compressed li').allInnerTexts();
    const first = await listed();
    expect(first).toHaveLength(10);
    expect(await page.locator('#q-compressed-range').innerText()).toBe('第 1—10 项，共 11 项');
    expect(await page.locator('#q-compressed-more').innerText()).toBe('还有 1 项，下一页 ›');
    // The next page: the eleventh photo, none of the first ten, and the way back.
    await page.locator('#q-compressed-more').click();
    await page.waitForURL((u) => u.searchParams.get('compressed_page') === '2' && u.hash === '#q-compressed');
    const second = await listed();
    expect(second).toHaveLength(1);
    expect(first).not.toContain(second[0]);
    expect(await page.locator('#q-compressed-range').innerText()).toBe('第 11—11 项，共 11 项 回到第一页');
    expect(await page.locator('#q-compressed-more').count()).toBe(0);
    // The other lists stay on their first page, counted as before.
    expect(await page.locator('#q-undescribed-range').count()).toBe(0);
    expect(await page.locator('#q-compressed-first').getAttribute('href')).not.toContain('compressed_page');
    // A page past the end (an old link, an edited number) says so, numbering no row.
    const pastEnd = new URL(page.url());
    pastEnd.searchParams.set('compressed_page', '9999');
    await page.goto(pastEnd.toString());
    expect(await page.locator('#q-compressed li').count()).toBe(0);
    expect(await page.locator('#q-compressed-range').innerText()).toBe('共 11 项 回到第一页');
    expect(await page.locator('#q-compressed').innerText()).toContain('后面没有了。');
    await page.locator('#q-compressed-first').click();
    await page.waitForURL((u) => !u.searchParams.has('compressed_page'));
    expect(await listed()).toEqual(first);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    // A province's page (past 500 chats) pages the same rows, and reads none past the end.
    const now = w.clock.now();
    for (const skip of [10, 9990]) {
      const wide = await qualityProblems(w.h.db.db, w.units.township, now, {
        wide: true,
        skip: { compressed: skip },
      });
      expect(wide).toEqual(
        await qualityProblems(w.h.db.db, w.units.township, now, { wide: false, skip: { compressed: skip } }),
      );
      expect(wide.compressed.total).toBe(11);
      expect(wide.compressed.items).toHaveLength(skip === 10 ? 1 : 0);
    }
  });
});
