import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { taskProgress } from '../../src/db/repos/completeness.js';
import { localDay } from '../../src/domain/working-days.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/**
 * A task counts a file once (recountTaskCopies), so an item holding only a repeat of a photo the task
 * already holds adds nothing to it. The views of the item still show what it holds, and say plainly
 * that the photo repeats another item's and is not counted again: the task page's list, the item
 * page and the 大事记 (in Chromium), and the archivist's 查 list and correction card in the chat.
 */
describe.skipIf(!hasChromium)('an item holding a repeat of a file its task counts elsewhere', () => {
  let w: WebWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Only the same photo as the world's first item of C05 (its first 件). */
  let repeatOnly: number;
  /** That photo again with a new one. */
  let partly: number;

  /** Posts photos (seeds) and `#C05 …` into the village chat; the live item holding them. */
  const fileToC05 = async (seeds: number[], caption: string) => {
    const ids: string[] = [];
    for (const seed of seeds)
      ids.push(await postPhoto(w.h, { chatId: w.chats.village, sender: w.org.officer, seed, size: 200 }));
    await postText(w.h, { chatId: w.chats.village, sender: w.org.officer, text: `#C05 ${caption}` });
    const row = await waitOnClock(w.h, w.clock, `${caption} filed`, async () => {
      const [r] = await queryRows<{ item_id: number }>(
        w.h.db.db,
        sql`select fi.id::int as item_id from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
              join materials m on m.id = fim.material_id
            where m.message_id = ${ids[0]!} and fi.undone_at is null`,
      );
      return r;
    });
    await w.h.settle();
    return Number(row.item_id);
  };

  beforeAll(async () => {
    w = await createWebWorld('WR');
    // The world's item of C05 holds the photo of seed 7 (size 200): the same bytes, sent again.
    repeatOnly = await fileToC05([7], '又发了一次');
    partly = await fileToC05([7, 31], '补一张');
    browser = await launchChromium();
    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    page = await context.newPage();
    await page.goto(`${w.h.bot.url}/`);
    await page.waitForURL(`${w.h.bot.url}/units/${w.units.county.id}`);
  });
  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await w?.close();
  });

  it('the task still counts the photo once', async () => {
    // Three items, four photos, two different ones.
    expect((await taskProgress(w.h.db.db, w.taskC05))!.filed).toBe(2);
  });

  it('the task page lists each item with the photos it holds and which repeat the first 件', async () => {
    await page.goto(`${w.h.bot.url}/tasks/${w.taskC05}`);
    const line = (itemId: number) =>
      page
        .locator('.item', { has: page.locator(`a[href="/items/${itemId}"]`) })
        .locator('.muted')
        .last();
    expect(await line(w.itemId).innerText()).toMatch(/^1 张照片 · /);
    expect(await line(repeatOnly).innerText()).toContain('1 张照片（与本任务第1件相同，不重复计数）');
    expect(await line(partly).innerText()).toContain('2 张照片（其中1张与本任务第1件相同，不重复计数）');
  });

  it('the item page says what the item holds', async () => {
    await page.goto(`${w.h.bot.url}/items/${repeatOnly}`);
    const kind = page.locator('dt', { hasText: '类型' }).locator('xpath=following-sibling::dd[1]');
    expect(await kind.innerText()).toContain('1 张照片（与本任务第1件相同，不重复计数）');
  });

  it('the 大事记 shows the photos of each entry', async () => {
    const year = localDay(w.clock.now(), 'Asia/Shanghai').slice(0, 4);
    await page.goto(`${w.h.bot.url}/units/${w.units.village.id}/chronicle?year=${year}`);
    expect(await page.locator(`tr[data-item="${repeatOnly}"]`).innerText()).toContain(
      '1 张照片（与本任务第1件相同，不重复计数）',
    );
    expect(await page.locator(`tr[data-item="${w.itemId}"]`).innerText()).toContain('1 张照片');
  });

  it('the archivist’s 查 list and correction card in the chat say so too', async () => {
    const reply = await sayToBot(w.h, { chatId: w.chats.village, sender: w.org.archivist, text: '查 C05' });
    const list = JSON.stringify(reply.content);
    expect(list).toContain('1张照片（与本任务第1件相同，不重复计数）');
    expect(list).toContain('2张照片（其中1张与本任务第1件相同，不重复计数）');
    const fix = new RegExp(`"value":(\\{"a":"fix","i":${repeatOnly}[^}]*\\})`).exec(list);
    expect(fix).not.toBeNull();
    const tapped = await tapCard(w.h, {
      operator: w.org.archivist,
      value: JSON.parse(fix![1]!),
      chatId: w.chats.village,
    });
    const card = JSON.stringify((tapped as { card: { data: unknown } }).card.data);
    expect(card).toContain('撤下这件材料');
    expect(card).toContain('1张照片（与本任务第1件相同，不重复计数）');
  });
});
