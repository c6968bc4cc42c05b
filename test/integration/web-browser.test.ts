import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { buttonValue, cardButtons } from '../support/cards.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { tapCard } from '../support/chat-actions.js';
import { recallEvent } from '../support/events.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };

/** The web pages in a real browser (Debian's Chromium through playwright-core), at phone width. */
describe.skipIf(!hasChromium)(
  'web pages in Chromium: sign-in, drill-down to a photo, search, 督办, scope',
  () => {
    let w: WebWorld;
    let browser: Browser;
    const contexts: BrowserContext[] = [];
    beforeAll(async () => {
      w = await createWebWorld('WB');
      browser = await launchChromium();
    });
    afterAll(async () => {
      for (const c of contexts) await c.close().catch(() => {});
      await browser?.close();
      await w?.close();
    });

    /** A fresh browser profile signed in to Lark (the fake) as `user`, at phone size. */
    const session = async (user: { openId: string; name: string }): Promise<Page> => {
      w.h.fake.signInAs(user);
      const ctx = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
      contexts.push(ctx);
      return ctx.newPage();
    };
    const noSideways = async (page: Page) =>
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        PHONE.width,
      );

    it('a leader signs in through Lark and drills down county → township → village → task → photo', async () => {
      const page = await session({ openId: w.org.leader, name: '赵书记' });
      await page.goto(`${w.h.bot.url}/`);
      // The OAuth round trip (bot → fake authorize → callback) lands on the leader's county.
      await page.waitForURL(`${w.h.bot.url}/units/${w.units.county.id}`);
      expect(await page.locator('h1').innerText()).toContain('WB县');
      await noSideways(page);
      await page.locator('#children a', { hasText: '城关镇' }).click();
      await page.waitForURL(`**/units/${w.units.township.id}`);
      await page.locator('#children a', { hasText: '城关村' }).click();
      await page.waitForURL(`**/units/${w.units.village.id}`);
      await noSideways(page);
      expect(await page.locator('#overdue').innerText()).toContain('C01');
      await page.locator(`#tasks a[href="/tasks/${w.taskC05}"]`).click();
      await page.waitForURL(`**/tasks/${w.taskC05}`);
      expect(await page.locator('#task-state').innerText()).toContain('已交 1');
      await page.locator(`.item a[href="/items/${w.itemId}"]`).first().click();
      await page.waitForURL(`**/items/${w.itemId}`);
      // The viewer shows the original photo; the thumbnails are real pictures too.
      const shown = page.locator('#viewer img');
      await shown.waitFor();
      await waitFor('the photo decoded', () =>
        shown.evaluate((img: any) => img.complete && img.naturalWidth > 0),
      );
      expect(await shown.evaluate((img: any) => img.naturalWidth)).toBe(200);
      const thumb = page.locator(`#materials img`).first();
      await waitFor('the thumbnail decoded', () =>
        thumb.evaluate((img: any) => img.complete && img.naturalWidth > 0),
      );
      expect(await page.locator('#audit').innerText()).toContain('提交');
      await noSideways(page);
    });

    it('searches from the header box and opens a hit', async () => {
      const page = await session({ openId: w.org.leader, name: '赵书记' });
      await page.goto(`${w.h.bot.url}/`);
      await page.waitForURL(`**/units/${w.units.county.id}`);
      await page.locator('header input[name=q]').fill('城关村 村两委');
      await page.locator('header input[name=q]').press('Enter');
      await page.waitForURL(/\/search\?q=/);
      expect(await page.locator('#result-count').innerText()).toBe('共 1 条');
      await page.locator(`.item a[href="/items/${w.itemId}"]`).first().click();
      await page.waitForURL(`**/items/${w.itemId}`);
      // Filters: a date range without the filing day finds nothing.
      await page.goto(`${w.h.bot.url}/search`);
      await page.locator('#search-form input[name=q]').fill('村两委');
      await page.locator('#search-form input[name=from]').fill('2001-01-01');
      await page.locator('#search-form input[name=to]').fill('2001-12-31');
      await page.locator('#search-form button').click();
      await page.waitForURL(/from=2001-01-01/);
      expect(await page.locator('#result-count').innerText()).toBe('共 0 条');
    });

    it('督办 on an overdue village sends its chat one reminder; a second press the same day sends none', async () => {
      const first = await session({ openId: w.org.leader, name: '赵书记' });
      await first.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
      await first.waitForURL(`**/units/${w.units.township.id}`);
      // A second tab that loaded the page before the first press still shows the button.
      const second = await first.context().newPage();
      await second.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
      const row = (p: Page) => p.locator('#children tr', { hasText: '河口村' });
      first.on('dialog', (d) => void d.accept());
      second.on('dialog', (d) => void d.accept());
      await row(first).locator('button', { hasText: '督办' }).click();
      await first.waitForURL(`**/urge`);
      expect(await first.locator('#message').innerText()).toContain('督办已安排发送到河口村的群里');
      const sent = await waitFor('the 督办 in 河口村工作群', () => {
        const list = w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village2);
        return list.length > 0 && list;
      });
      expect(sent).toHaveLength(1);
      expect(JSON.stringify(sent[0]!.content)).toContain('C01');
      await first.locator('#back').click();
      await first.waitForURL(`**/units/${w.units.township.id}`);
      expect(await row(first).innerText()).toContain('今天已督办');

      await row(second).locator('button', { hasText: '督办' }).click();
      await second.waitForURL(`**/urge`);
      expect(await second.locator('#message').innerText()).toContain('今天已经督办过');
      await w.h.settle();
      expect(w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village2)).toHaveLength(1);
    });

    it('opens the 图册 and its A4 print view (the page prints to PDF with the photos)', async () => {
      const page = await session({ openId: w.org.leader, name: '赵书记' });
      await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
      await page.waitForURL(`**/units/${w.units.township.id}`);
      await page.locator('#link-album').click();
      await page.waitForURL(`**/units/${w.units.township.id}/album`);
      const photos = page.locator('#album img');
      expect(await photos.count()).toBe(2);
      for (let i = 0; i < 2; i++)
        await waitFor(`album photo ${i} decoded`, () =>
          photos.nth(i).evaluate((img: any) => img.complete && img.naturalWidth > 0),
        );
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('header').isVisible()).toBe(false);
      expect(await page.locator('.noprint').first().isVisible()).toBe(false);
      expect(await page.locator('#album .group').first().isVisible()).toBe(true);
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(5_000);
    });

    it("an officer sees their village but gets 找不到 (404) for another village's item by URL", async () => {
      const page = await session({ openId: w.org.officer, name: '王村官' });
      await page.goto(`${w.h.bot.url}/`);
      await page.waitForURL(`**/units/${w.units.village.id}`);
      expect(await page.locator('form[action="/urge"]').count()).toBe(0);
      const own = await page.goto(`${w.h.bot.url}/items/${w.itemId}`);
      expect(own!.status()).toBe(200);
      const other = await page.goto(`${w.h.bot.url}/items/${w.item2Id}`);
      expect(other!.status()).toBe(404);
      expect(await page.locator('h1').innerText()).toBe('找不到');
      const file = await page.goto(`${w.h.bot.url}/files/${w.material2Id}?inline=1`);
      expect(file!.status()).toBe(404);
    });

    it('a leader of two units searches from a village page: searching again stays in that village', async () => {
      // A township leader who also leads the county's new town (two units of their own: the search
      // form's unit menu lists them).
      await importUnits(
        { db: w.h.db.db, clock: w.clock },
        { text: `code,name,kind,parent_code\nWB20,河西镇,township,${w.org.county}`, fileName: 'units.csv' },
      );
      const twoUnits = { openId: 'ou_WB_two_units', name: '孙镇长' };
      const now = w.clock.now();
      await upsertPerson(w.h.db.db, twoUnits, now);
      for (const unit of [w.units.township, (await getUnitByCode(w.h.db.db, 'WB20'))!])
        await addUnitRole(w.h.db.db, { unitId: unit.id, openId: twoUnits.openId, role: 'leader' }, now);
      const page = await session(twoUnits);
      await page.goto(`${w.h.bot.url}/units/${w.units.village.id}`);
      await page.locator('a', { hasText: '在本单位搜索' }).click();
      await page.waitForURL(`**/search?unit=${w.units.village.id}`);
      // A word from the photo's caption, searched from the form: still 城关村's items only.
      await page.locator('#search-form input[name="q"]').fill('会议');
      await page.locator('#search-form button[type="submit"]').click();
      await page.waitForURL((u) => u.searchParams.get('q') === '会议');
      expect(new URL(page.url()).searchParams.get('unit')).toBe(String(w.units.village.id));
      const hits = await page
        .locator('.item a[href^="/items/"]')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(hits).toContain(`/items/${w.itemId}`);
      expect(hits).not.toContain(`/items/${w.item2Id}`);
      await noSideways(page);
    });

    it('a recalled photo of an undone item: its viewer says 已撤回, not the status code', async () => {
      // Two photos filed together (#C05), 撤销 by the officer, then one of them recalled in the chat:
      // the undone item keeps both, the recalled one among them.
      const { h, org, chats } = w;
      const first = await postPhoto(h, { chatId: chats.village, sender: org.officer, seed: 31, size: 120 });
      const second = await postPhoto(h, { chatId: chats.village, sender: org.officer, seed: 32, size: 120 });
      await postText(h, { chatId: chats.village, sender: org.officer, text: '#C05 村务公开栏照片' });
      const filed = await replyAfterQuiet(h, w.clock, first);
      const tap = (
        value: Record<string, unknown>,
      ): Promise<{ toast: { type: string }; card?: { data: unknown } }> =>
        tapCard(h, { operator: org.officer, value, chatId: chats.village, messageId: filed.messageId });
      const asked = await tap(buttonValue(filed.content, 'undo'));
      const sure = cardButtons(asked.card!.data).find((b) => b.value.a === 'undo' && b.value.sure === 1)!;
      expect((await tap(sure.value)).toast.type).toBe('success');
      expect(
        (await h.post(recallEvent({ appId: h.fake.appId, messageId: second, chatId: chats.village }))).status,
      ).toBe(200);
      await h.settle();
      const [item] = await queryRows<{ item_id: number; recalled: number }>(
        h.db.db,
        sql`select fim.item_id::int as item_id, m.id::int as recalled from filing_item_materials fim
            join materials m on m.id = fim.material_id where m.message_id = ${second} and m.status = 'recalled'`,
      );
      expect(item).toBeDefined();

      const page = await session({ openId: org.officer, name: '王村官' });
      await page.goto(`${h.bot.url}/items/${item!.item_id}`);
      expect(await page.locator('#materials a').count()).toBe(2);
      await page.locator(`#materials a[data-material="${item!.recalled}"]`).click();
      await page.waitForURL(`**/items/${item!.item_id}?view=${item!.recalled}#viewer`);
      expect(await page.locator('#viewer').innerText()).toBe('这个文件不能查看（已撤回）。');
      expect(await page.content()).not.toContain('recalled');
    });
  },
);
