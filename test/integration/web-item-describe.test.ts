import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };

/**
 * 更正著录 on the item page, the archivist's way to correct a 件's catalogue fields without a shell
 * (what the recall DM links to): saved through describeItem with its rule (after the 档号 is live,
 * archivists and admins only), shown on the page and in 操作记录. A real browser at phone width.
 */
describe.skipIf(!hasChromium)('更正著录 on the item page', () => {
  let w: WebWorld;
  let browser: Browser;
  beforeAll(async () => {
    [w, browser] = await Promise.all([createWebWorld('WE'), launchChromium()]);
  });
  // Closing the browser closes its profiles.
  afterAll(() => Promise.all([browser?.close(), w?.close()]));

  const post = (path: string, cookie: string, form: Record<string, string>) =>
    fetch(`${w.h.bot.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  const described = async (itemId: number) =>
    (
      await queryRows<{ title: string | null; pages: number | null }>(
        w.h.db.db,
        sql`select title, pages from item_descriptions where item_id = ${itemId}`,
      )
    )[0];
  const describeAudits = async (itemId: number) =>
    queryRows<{ actor: string; source: string }>(
      w.h.db.db,
      sql`select actor, source from audit_log where action = 'describe' and item_id = ${itemId} order by id`,
    );
  const field = (page: Page, label: string) =>
    page
      .locator('div.card > dl > dt', { hasText: new RegExp(`^${label}$`) })
      .locator('xpath=following-sibling::dd[1]');

  it('an archivist corrects 题名 and 页数 on a phone: a refusal says why, then saved, shown and in 操作记录', async () => {
    w.h.fake.signInAs({ openId: w.org.archivist, name: '李档案' });
    const page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();
    await page.goto(`${w.h.bot.url}/items/${w.itemId}#describe`);
    const form = page.locator('form#describe');
    expect(await form.count()).toBe(1);
    // Prefilled with the 题名 the item goes by.
    const h1 = (await page.locator('h1').innerText()).trim();
    expect(await page.locator('#f-title').inputValue()).toBe(h1);

    await page.locator('#f-title').fill('城关村2026年第一次村两委会议');
    await page.locator('#f-pages').fill('三');
    await form.locator('button[type=submit]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#describe-result').innerText()).toContain('页数须为正整数');
    // Nothing saved, and what was typed is still there to fix.
    expect(await described(w.itemId)).toBeUndefined();
    expect(await page.locator('#f-title').inputValue()).toBe('城关村2026年第一次村两委会议');

    await page.locator('#f-pages').fill('3');
    await page.locator('form#describe button[type=submit]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#describe-result').innerText()).toContain('已保存');
    expect((await page.locator('h1').innerText()).trim()).toBe('城关村2026年第一次村两委会议');
    expect((await field(page, '题名').innerText()).trim()).toBe('城关村2026年第一次村两委会议');
    expect((await field(page, '页数').innerText()).trim()).toBe('3');
    expect(await page.locator('#f-pages').inputValue()).toBe('3');
    const lastRow = page.locator('#audit tr').last();
    expect(await lastRow.locator('td').nth(1).innerText()).toBe('著录');
    expect(await lastRow.locator('td').nth(2).innerText()).toBe('李档案');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    expect(await described(w.itemId)).toEqual({ title: '城关村2026年第一次村两委会议', pages: 3 });
    // The audit says it came from the pages; a field left as shown (a blank 文号) was not sent.
    expect(await describeAudits(w.itemId)).toEqual([{ actor: w.org.archivist, source: 'page' }]);
    const [details] = await queryRows<{ details: { fields: Record<string, unknown> } }>(
      w.h.db.db,
      sql`select details from audit_log where action = 'describe' and item_id = ${w.itemId}`,
    );
    expect(details!.details.fields).toEqual({ title: '城关村2026年第一次村两委会议', pages: 3 });
  });

  it("an officer of another village gets 404 for the page and the form's POST", async () => {
    const officer = await w.signIn({ openId: w.org.officer, name: '王村官' });
    const own = await w.get(`/items/${w.itemId}`, officer);
    const csrf = csrfOf(await own.text())!;
    // 河口村's item: the officer is 城关村's.
    expect((await w.get(`/items/${w.item2Id}`, officer)).status).toBe(404);
    const res = await post(`/items/${w.item2Id}/describe`, officer, { _csrf: csrf, title: '改掉' });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('改掉');
    expect(await described(w.item2Id)).toBeUndefined();
  });

  it('after the 档号 is live an officer sees no form, and a forged POST is refused; the archivist still may', async () => {
    const officer = await w.signIn({ openId: w.org.officer, name: '王村官' });
    // Before: the officer may describe the village's item (describeItem's rule).
    expect(await (await w.get(`/items/${w.itemId}`, officer)).text()).toContain('id="describe"');
    const confirmed = await confirmArchive(
      { db: w.h.db.db, clock: w.clock, rules: TEST_ARCHIVE_CONFIG },
      { unitId: w.units.village.id, year: 2026, actor: 'cli', source: 'cli' },
    );
    expect(confirmed.status).toBe('confirmed');

    const page = await (await w.get(`/items/${w.itemId}`, officer)).text();
    expect(page).not.toContain('id="describe"');
    expect(page).toContain('已确认归档，著录只能由档案员更正');
    const res = await post(`/items/${w.itemId}/describe`, officer, {
      _csrf: csrfOf(page)!,
      title: '村官改的题名',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/该件已确认归档（档号 [^）]+），只有档案员可以修改说明/);
    expect((await described(w.itemId))!.title).toBe('城关村2026年第一次村两委会议');
    expect(await describeAudits(w.itemId)).toHaveLength(1);

    const archivist = await w.signIn({ openId: w.org.archivist, name: '李档案' });
    expect(await (await w.get(`/items/${w.itemId}`, archivist)).text()).toContain('id="describe"');
  });
});
