import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cardLinks, cardMarkdownLinks } from '../support/cards.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { waitFor } from '../support/wait-for.js';
import { addTownshipLeader, createWebWorld, nextMondayDigest, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };

/**
 * The weekly digest of a township one of whose villages merged during the week (河口村 into 城关村), in
 * a real browser at phone size: each figure of the card opens a page showing the same number. 河口村
 * filed three items that week (#C05, #C04, #C07), then merged: its C04 and C07, complete when it
 * merged, stayed open, and an archivist took their items off afterwards (`archive unfile`). The card
 * rightly leaves 河口村 out of 逾期 and the deadlines (a merged village is not chased), but the pages
 * listed its C04 under 逾期 (one row more than the 逾期 figure and the heading above the list) and its
 * C07 under the deadline's day (one more than the card's 「N 项未齐」); and the card's 新提交 left out
 * 河口村's #C05 that 查看上周提交 lists (it was filed that week: its count is the search's now).
 */
describe.skipIf(!hasChromium)(
  'the digest of a township with a village merged that week, card → pages',
  () => {
    let w: WebWorld;
    let browser: Browser;
    let page: Page;
    let card: any;
    const tleader = { openId: 'ou_WD_tleader', name: '钱镇长' };

    beforeAll(async () => {
      [w, browser] = await Promise.all([createWebWorld('WD'), launchChromium()]);
      const db = w.h.db.db;
      await addTownshipLeader(w, tleader);
      // 河口村 files a photo to C04 and one to C07 through its chat: both complete (one needed each).
      const fileTo = async (code: string, seed: number) => {
        const messageId = await postPhoto(w.h, { chatId: w.chats.village2, sender: w.org.officer, seed });
        await postText(w.h, { chatId: w.chats.village2, sender: w.org.officer, text: `#${code} 照片` });
        const r = await waitOnClock(w.h, w.clock, `河口村's #${code} filed`, async () => {
          const [row] = await queryRows<{ id: number }>(
            db,
            sql`select fi.id::int as id from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
                join materials m on m.id = fim.material_id
              where m.message_id = ${messageId} and fi.undone_at is null`,
          );
          return row;
        });
        return Number(r.id);
      };
      const c04 = await fileTo('C04', 21);
      const c07 = await fileTo('C07', 22);
      // C04 fell due three days ago (it was in on time); C07 is due with 城关村's tasks.
      await db.execute(sql`update tasks set due_at = now() - interval '3 days'
      where unit_id = ${w.units.village2.id} and code = 'C04'`);
      await w.h.settle();
      const merged = await cliInProcess(
        ['units', 'retire', w.units.village2.code, '--into', w.units.village.code],
        {},
        w.h.db,
      );
      expect(merged.code, merged.stderr).toBe(0);
      for (const item of [c04, c07]) {
        const off = await cliInProcess(
          ['archive', 'unfile', '--item', String(item), '--reason', '放错村'],
          {},
          w.h.db,
        );
        expect(off.code, off.stderr).toBe(0);
      }
      // Next Monday 09:00, the digest of the week just ended, with links to the pages.
      card = (await nextMondayDigest(w, tleader.openId, 'the digest to the township leader')).content;
      w.h.fake.signInAs(tleader);
      page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();
    });
    afterAll(() => Promise.all([browser?.close(), w?.close()]));

    const narrow = async (what: string) =>
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), what).toBeLessThanOrEqual(
        PHONE.width,
      );
    /** The headline figures: 「**[figure](url)**」 over the grey label. */
    const figures = () => {
      const row = (card.body.elements as any[]).find((e) => e.tag === 'column_set');
      return new Map<string, [string, string]>(
        (row.columns as any[]).map((c) => {
          const content = c.elements[0].content as string;
          return [/<font color='grey'>(.+)<\/font>/.exec(content)![1]!, cardMarkdownLinks(c)[0]!];
        }),
      );
    };

    it('完成率 and the village rows: the township page, 河口村 named apart as merged', async () => {
      const [percent, url] = figures().get('完成率')!;
      await page.goto(url);
      expect(await page.locator('#percent').innerText()).toBe(percent);
      const table = (card.body.elements as any[]).find((e) => e.tag === 'table').rows as { unit: string }[];
      expect(table.map((r) => r.unit)).toEqual(['城关村']);
      expect(await page.locator('#children tr').count()).toBe(2);
      expect(await page.locator('#retired-children').innerText()).toContain('河口村');
      await narrow('完成率');
    });

    it('逾期: the list holds as many tasks as the figure and its heading, none of 河口村', async () => {
      const [overdue, url] = figures().get('逾期')!;
      const heading = cardMarkdownLinks(card).find(([t]) => t.startsWith('最久未交齐'))!;
      expect(heading[0]).toContain(`逾期 ${overdue} 项`);
      for (const to of [url, heading[1]]) {
        await page.goto(to);
        expect(await page.locator('#overdue-count').innerText()).toBe(overdue);
        expect(await page.locator('#overdue tr').count()).toBe(Number(overdue) + 1);
        expect(await page.locator('#overdue').innerText()).not.toContain('河口村');
        await narrow('逾期');
      }
    });

    it("河口村's own page: merged, and owing nothing (no 逾期 though its C04 lost its item)", async () => {
      await page.goto(`${w.h.bot.url}/units/${w.units.village2.id}`);
      expect(await page.locator('#retired').innerText()).toContain('并入 城关村');
      expect(await page.locator('#overdue-count').count()).toBe(0);
      expect(await page.locator('#overdue').count()).toBe(0);
      expect(await page.locator('form[action="/urge"]').count()).toBe(0);
      await narrow('河口村');
    });

    it('接下来的截止日期: each day opens as many open tasks as the line counts, none of 河口村', async () => {
      const deadlines = cardMarkdownLinks(card).filter(([t]) => /项未齐$/.test(t));
      expect(deadlines.length).toBeGreaterThan(0);
      for (const [line, url] of deadlines) {
        const open = Number(/：(\d+) 项未齐/.exec(line)![1]);
        await page.goto(url);
        expect(Number(await page.locator('#due-count').innerText()), line).toBe(open);
        expect(await page.locator('#due-tasks tr').count(), line).toBe(Math.min(open, 50) + 1);
        expect(await page.locator('#due-tasks').innerText()).not.toContain('河口村');
        await narrow(line);
      }
    });

    it("上周提交: the week's items the search lists, 河口村's #C05 among them, as many as the card says", async () => {
      const text = JSON.stringify(card);
      const filed = Number(/新提交 (\d+) 件/.exec(text)![1]);
      const [, url] = figures().get('上周提交')!;
      expect(cardLinks(card).find(([t]) => t === '查看上周提交')![1]).toBe(url);
      await page.goto(url);
      expect(await page.locator('#result-count').innerText()).toContain(`共 ${filed} 件`);
      // 城关村's #C05 and 河口村's (its #C04 and #C07 were taken off).
      expect(filed).toBe(2);
      expect(await page.locator(`a[href="/items/${w.item2Id}"]`).count()).toBeGreaterThan(0);
      await narrow('上周提交');
    });

    it('质量问题: the township page over the week adds up to the figure', async () => {
      const [problems, url] = figures().get('质量问题')!;
      await page.goto(url);
      // The figure itself (共 N 个), and the page's three lists adding up to it.
      expect(await page.locator('#quality-total').innerText()).toBe(problems);
      const listed = async (id: string) =>
        Number(/：(\d+)/.exec(await page.locator(`#${id} b`).first().innerText())![1]);
      expect(
        (await listed('q-compressed')) + (await listed('q-undescribed')) + (await listed('q-failed')),
      ).toBe(Number(problems));
      await narrow('质量问题');
    });

    it("督办 on 城关村's overdue row asks to 督办 and says it sent a 督办, not a reminder", async () => {
      await page.goto(figures().get('逾期')![1]);
      const asked = new Promise<string>((resolve) =>
        page.once('dialog', (d) => {
          resolve(d.message());
          void d.accept();
        }),
      );
      await page.locator('#overdue button', { hasText: '督办' }).first().click();
      expect(await asked).toBe('确定督办？机器人会马上在群里发一条督办消息。');
      await page.waitForURL((u) => u.pathname === '/urge');
      expect(await page.locator('#message').innerText()).toContain('督办已安排发送到城关村的群里');
      await waitFor('the 督办 in 城关村工作群', () =>
        w.h.fake
          .sentMessages()
          .some((m) => m.receiveId === w.chats.village && JSON.stringify(m.content).includes('📌 督办')),
      );
    });
  },
);
