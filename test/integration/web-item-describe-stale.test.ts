import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };

/**
 * 更正著录 from a page opened before someone else changed the item: the form saves only what its user
 * changed from what it was drawn with. A 题名 a refile renamed meanwhile is not put back, another
 * archivist's save is not undone, and a field both changed is refused (409) with the form drawn again
 * as things are now, the user's text kept. A real browser at phone width.
 */
describe.skipIf(!hasChromium)('更正著录 from a stale item page', () => {
  let w: WebWorld;
  let browser: Browser;
  beforeAll(async () => {
    [w, browser] = await Promise.all([createWebWorld('WS'), launchChromium()]);
    w.h.fake.signInAs({ openId: w.org.archivist, name: '李档案' });
  });
  afterAll(() => Promise.all([browser?.close(), w?.close()]));

  const described = async (itemId: number) =>
    (
      await queryRows<{ title: string | null; date: string | null; responsible: string | null }>(
        w.h.db.db,
        sql`select title, date, responsible from item_descriptions where item_id = ${itemId}`,
      )
    )[0];
  const openItem = async (itemId: number): Promise<Page> => {
    const page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();
    await page.goto(`${w.h.bot.url}/items/${itemId}#describe`);
    return page;
  };
  /** Presses 保存; the status of the POST's answer. */
  const save = async (page: Page): Promise<number> => {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/describe') && r.request().method() === 'POST'),
      page.locator('form#describe button[type=submit]').click(),
    ]);
    await page.waitForLoadState('load');
    return res.status();
  };
  const taskTitle = async (taskId: number) =>
    (await queryRows<{ title: string }>(w.h.db.db, sql`select title from tasks where id = ${taskId}`))[0]!
      .title;

  it('a 题名 renamed by a refile after the page opened is not put back by a 日期 saved from it', async () => {
    // A photo filed with only #C05: its 题名 is the task's own, which a refile renames.
    await postPhoto(w.h, { chatId: w.chats.village, sender: w.org.officer, seed: 31, size: 200 });
    await postText(w.h, { chatId: w.chats.village, sender: w.org.officer, text: '#C05' });
    const c05 = await taskTitle(w.taskC05);
    const itemId = await waitOnClock(w.h, w.clock, 'the photo filed under C05', async () => {
      const [r] = await queryRows<{ id: number }>(
        w.h.db.db,
        sql`select id::int as id from filing_items where task_id = ${w.taskC05} and title = ${c05}
              and undone_at is null`,
      );
      return r?.id;
    });
    const page = await openItem(itemId);
    expect(await page.locator('#f-title').inputValue()).toBe(c05);

    const refiled = await cliInProcess(
      ['archive', 'refile', '--item', String(itemId), '--task', 'C01'],
      { DATA_DIR: w.h.dataDir },
      w.h.db,
    );
    expect(refiled.code, refiled.stderr).toBe(0);
    const c01 = await taskTitle(w.taskC01);

    await page.locator('#f-date').fill('20250305');
    expect(await save(page)).toBe(200);
    expect(await page.locator('#describe-result').innerText()).toContain('已保存');
    // The date saved; no 题名 described: the item goes by the new task's.
    expect(await described(itemId)).toEqual({ title: null, date: '20250305', responsible: null });
    expect((await page.locator('h1').innerText()).trim()).toBe(c01);
    expect(await page.locator('#f-title').inputValue()).toBe(c01);
    const [audit] = await queryRows<{ details: { fields: Record<string, unknown> } }>(
      w.h.db.db,
      sql`select details from audit_log where action = 'describe' and item_id = ${itemId}`,
    );
    expect(audit!.details.fields).toEqual({ date: '20250305' });

    // A form drawn before the pages sent marks (no drawn_* fields) saves nothing it cannot tell.
    const cookie = await w.signIn({ openId: w.org.archivist, name: '李档案' });
    const html = await (await w.get(`/items/${itemId}`, cookie)).text();
    const res = await fetch(`${w.h.bot.url}/items/${itemId}/describe`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(html)!, title: c05, date: '20250306' }).toString(),
    });
    expect(res.status).toBe(409);
    expect(await described(itemId)).toEqual({ title: null, date: '20250305', responsible: null });
  });

  it("two archivists' pages: the second save keeps the first's field, and a field both changed is refused, nothing lost", async () => {
    const [a, b] = [await openItem(w.itemId), await openItem(w.itemId)];
    await a.locator('#f-responsible').fill('城关村村委会');
    expect(await save(a)).toBe(200);

    // Both pages drawn with 责任者 城关村村委会.
    await b.reload();
    await a.locator('#f-responsible').fill('城关村党支部');
    expect(await save(a)).toBe(200);
    await b.locator('#f-date').fill('20250401');
    expect(await save(b)).toBe(200);
    // B's stale 责任者 did not undo A's.
    expect(await described(w.itemId)).toMatchObject({ responsible: '城关村党支部', date: '20250401' });

    // A changes 备注 and B, drawn before it, changes 备注 and 页数: refused, redrawn as now.
    await a.locator('#f-remarks').fill('原件存村委会');
    expect(await save(a)).toBe(200);
    await b.locator('#f-remarks').fill('原件已上交');
    await b.locator('#f-pages').fill('4');
    expect(await save(b)).toBe(409);
    expect(await b.locator('#describe-result').innerText()).toContain('「备注」在你打开页面后已被他人修改');
    expect(await b.locator('#f-remarks').inputValue()).toBe('原件存村委会');
    expect(await b.locator('#theirs-remarks').innerText()).toContain('原件已上交');
    expect(await b.locator('#f-pages').inputValue()).toBe('4');
    const row = async () =>
      (
        await queryRows<{ remarks: string | null; pages: number | null }>(
          w.h.db.db,
          sql`select remarks, pages from item_descriptions where item_id = ${w.itemId}`,
        )
      )[0];
    expect(await row()).toEqual({ remarks: '原件存村委会', pages: null });

    // Saved again as redrawn: 页数 saved, A's 备注 kept.
    expect(await save(b)).toBe(200);
    expect(await row()).toEqual({ remarks: '原件存村委会', pages: 4 });
  });
});
