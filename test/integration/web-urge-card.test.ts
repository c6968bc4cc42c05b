import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/** The card's markdown texts, in order, and its header and notification summary. */
interface CardSeen {
  title: string;
  summary: string;
  texts: string[];
  buttons: string[];
}

const seen = (content: unknown): CardSeen => {
  const c = content as any;
  const texts: string[] = [];
  const buttons: string[] = [];
  const walk = (els: any[]) => {
    for (const e of els) {
      if (e.tag === 'markdown') texts.push(e.content);
      if (e.tag === 'button') buttons.push(e.text?.content);
      if (Array.isArray(e.elements)) walk(e.elements);
      if (Array.isArray(e.columns)) walk(e.columns);
    }
  };
  walk(c.body.elements);
  return { title: c.header.title.content, summary: c.config.summary.content, texts, buttons };
};

/**
 * 督办 pressed in Chromium reaches the village chat as a 督办, not as the daily reminder: 「📌 督办」,
 * who pressed it (role and name), the task(s) urged first, then the village's other open tasks, and
 * the reminder's ways to file (reply, 查看全部).
 */
describe.skipIf(!hasChromium)('督办 card in the village chat', () => {
  let w: WebWorld;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const townshipLeader = { openId: 'ou_WU_township_leader', name: '张三' };
  beforeAll(async () => {
    w = await createWebWorld('WU');
    browser = await launchChromium();
    const now = new Date();
    await upsertPerson(w.h.db.db, townshipLeader, now);
    await addUnitRole(
      w.h.db.db,
      { unitId: w.units.township.id, openId: townshipLeader.openId, role: 'leader' },
      now,
    );
    // 城关村: C03 overdue longer than C01 (so the reminder lists it first), C02 due in two days.
    await w.h.db.db.execute(sql`update tasks set due_at = now() - interval '10 days'
      where unit_id = ${w.units.village.id} and code = 'C03'`);
    await w.h.db.db.execute(sql`update tasks set due_at = now() + interval '2 days'
      where unit_id = ${w.units.village.id} and code = 'C02'`);
    // C04 overdue too: the first test waives it between the page and the press.
    await w.h.db.db.execute(sql`update tasks set due_at = now() - interval '5 days'
      where unit_id = ${w.units.village.id} and code = 'C04'`);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await w?.close();
  });

  const session = async (user: { openId: string; name: string }): Promise<Page> => {
    w.h.fake.signInAs(user);
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('dialog', (d) => void d.accept());
    return page;
  };
  const cardIn = (chatId: string) =>
    waitFor(`the 督办 in ${chatId}`, () => {
      const list = w.h.fake.sentMessages().filter((m) => m.receiveId === chatId);
      return list.length > 0 && list;
    });

  it('a 逾期 row pressed after its task was waived says so and sends nothing', async () => {
    const leader = { openId: w.org.leader, name: '赵书记' };
    const page = await session(leader);
    await page.goto(`${w.h.bot.url}/units/${w.units.county.id}`);
    await page.waitForURL(`**/units/${w.units.county.id}`);
    // The page was loaded with 城关村's C04 overdue; the task is waived (免交) before the press.
    const row = page.locator('#overdue tr', { hasText: '城关村' }).filter({ hasText: 'C04' });
    await w.h.db.db.execute(sql`update tasks set state = 'waived'
      where unit_id = ${w.units.village.id} and code = 'C04'`);
    const before = w.h.fake.sentMessages().length;
    await row.locator('button', { hasText: '督办' }).click();
    await page.waitForURL('**/urge');
    expect(await page.locator('#message').innerText()).toMatch(
      /「#C04 .*」现在已交齐、免交或还没到期，无需督办/,
    );
    await w.h.settle();
    expect(w.h.fake.sentMessages()).toHaveLength(before);
  });

  it('a township leader urges 河口村 from the township page: the chat gets 「📌 督办」 naming 城关镇领导 张三', async () => {
    const page = await session(townshipLeader);
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    await page.waitForURL(`**/units/${w.units.township.id}`);
    await page.locator('#children tr', { hasText: '河口村' }).locator('button', { hasText: '督办' }).click();
    await page.waitForURL('**/urge');
    expect(await page.locator('#message').innerText()).toContain('督办已安排发送到河口村的群里');

    const sent = await cardIn(w.chats.village2);
    expect(sent).toHaveLength(1);
    const card = seen(sent[0]!.content);
    expect(card.title).toBe('📌 督办 · 河口村');
    expect(card.title).not.toContain('交材料提醒');
    expect(card.summary).toContain('城关镇领导 张三督办');
    // Who urged, then the overdue task urged, with what it lacks and how late it is.
    expect(card.texts[0]).toContain('**城关镇领导 张三** 督办，请抓紧交齐下面的材料');
    expect(card.texts[1]).toMatch(/#C01 .*还缺 .*已逾期 3 天.*截止/);
    // The reminder's ways to file from it.
    expect(card.texts.join('\n')).toContain('回复这条消息');
    expect(card.buttons).toEqual(['查看全部']);
    // The page shows it done; the audit names the leader and the unit, no task.
    await page.locator('#back').click();
    await page.waitForURL(`**/units/${w.units.township.id}`);
    expect(await page.locator('#children tr', { hasText: '河口村' }).innerText()).toContain('今天已督办');
    const audit = await queryRows<any>(
      w.h.db.db,
      sql`select actor, task_id from audit_log where action = 'urge' and unit_id = ${w.units.village2.id}`,
    );
    expect(audit).toEqual([{ actor: townshipLeader.openId, task_id: null }]);
  });

  it('the village archivist urges #C01 from its task page: C01 comes first, the other open tasks after it', async () => {
    const archivist = { openId: w.org.archivist, name: '李档案' };
    const page = await session(archivist);
    await page.goto(`${w.h.bot.url}/tasks/${w.taskC01}`);
    await page.waitForURL(`**/tasks/${w.taskC01}`);
    await page.locator('form[action="/urge"] button', { hasText: '督办' }).click();
    await page.waitForURL('**/urge');
    const message = await page.locator('#message').innerText();
    expect(message).toContain('督办已安排发送到城关村的群里');
    expect(message).toContain('#C01');

    const sent = await cardIn(w.chats.village);
    expect(sent).toHaveLength(1);
    const card = seen(sent[0]!.content);
    expect(card.title).toBe('📌 督办 · 城关村');
    expect(card.summary).toMatch(/^城关村档案员 李档案督办：#C01 /);
    // The officer is @mentioned; the one task urged stands alone under who urged it.
    expect(card.texts[0]).toContain(`<at id=${w.org.officer}></at>`);
    expect(card.texts[0]).toContain('**城关村档案员 李档案** 督办，请抓紧交齐这项材料');
    expect(card.texts[1]).toMatch(/^- \*\*#C01 [^\n]*已逾期 3 天/);
    expect(card.texts[1]).not.toContain('#C03');
    // Then the rest of the village's open tasks, as the reminder lists them (C03 longer overdue, C02 soon).
    const rest = card.texts.findIndex((t) => t.startsWith('其他还没交齐的'));
    expect(rest).toBeGreaterThan(1);
    expect(card.texts[rest]).toContain('1 项已逾期，1 项即将到期');
    expect(card.texts[rest + 1]).toMatch(/#C03 [^\n]*已逾期 10 天[\s\S]*#C02 /);
    expect(card.texts[rest + 1]).not.toContain('#C01');
    expect(card.buttons).toEqual(['查看全部']);
    const audit = await queryRows<any>(
      w.h.db.db,
      sql`select actor, task_id::int as task_id from audit_log
          where action = 'urge' and unit_id = ${w.units.village.id}`,
    );
    expect(audit).toEqual([{ actor: w.org.archivist, task_id: w.taskC01 }]);
    // A reply to it offers the urged task first.
    const [send] = await queryRows<any>(
      w.h.db.db,
      sql`select task_ids from scheduled_sends where kind = 'urge' and target = ${w.chats.village}`,
    );
    expect(Number(send.task_ids[0])).toBe(w.taskC01);
  });
});
