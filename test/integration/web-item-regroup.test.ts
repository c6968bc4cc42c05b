import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { unitProgress, unitProgressDirect } from '../../src/db/repos/completeness-progress.js';
import { unfiledBursts } from '../../src/db/repos/unfiled-bursts.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };

/**
 * 移出 / 并入 on the item page, in a real browser at phone width, signed in through Lark as the
 * village's archivist: four photos sent in one go and filed with one #C05 are two groups; two are
 * ticked and 移出为新件; the item filed before is then 并入 the new one by its page's link. Asserted from
 * the database: the files of each item in order, the task's count and the stored progress counts, the
 * audit (who, from the page), the merged item's burst no longer chased as unfiled; and the refusals
 * (every file ticked, another village's item, a page drawn before the files changed, a live 档号).
 */
describe.skipIf(!hasChromium)('移出 and 并入 on the item page', () => {
  let w: WebWorld;
  let browser: Browser;
  let burstItem: number;
  let photos: number[];
  beforeAll(async () => {
    [w, browser] = await Promise.all([createWebWorld('WR'), launchChromium()]);
    w.h.fake.signInAs({ openId: w.org.archivist, name: '李档案' });
    // Four photos and the #C05 that files them, one burst: one item of four.
    for (const seed of [41, 42, 43, 44])
      await postPhoto(w.h, { chatId: w.chats.village, sender: w.org.officer, seed, size: 200 });
    await postText(w.h, { chatId: w.chats.village, sender: w.org.officer, text: '#C05 入户走访照片' });
    burstItem = await waitOnClock(w.h, w.clock, 'the four photos filed as one item', async () => {
      const [r] = await queryRows<{ id: number; n: number }>(
        w.h.db.db,
        sql`select fi.id::int as id, count(m.thumbnail_key)::int as n from filing_items fi
              join filing_item_materials fim on fim.item_id = fi.id join materials m on m.id = fim.material_id
            where fi.task_id = ${w.taskC05} and fi.undone_at is null and fi.id <> ${w.itemId}
            group by fi.id`,
      );
      return r && Number(r.n) === 4 ? Number(r.id) : undefined;
    });
    photos = await filesOf(burstItem);
    await w.h.settle();
  }, 120_000);
  afterAll(() => Promise.all([browser?.close(), w?.close()]));

  const filesOf = async (itemId: number) =>
    (
      await queryRows<{ id: number }>(
        w.h.db.db,
        sql`select material_id::int as id from filing_item_materials where item_id = ${itemId} order by position`,
      )
    ).map((r) => Number(r.id));
  const liveC05 = async () =>
    (
      await queryRows<{ id: number; n_photo: number }>(
        w.h.db.db,
        sql`select id::int as id, n_photo from filing_items where task_id = ${w.taskC05} and undone_at is null
            order by id`,
      )
    ).map((r) => [Number(r.id), Number(r.n_photo)]);
  const countsRight = async () => {
    for (const unit of Object.values(w.units))
      expect(await unitProgress(w.h.db.db, unit.id, w.clock.now())).toEqual(
        await unitProgressDirect(w.h.db.db, unit.id, w.clock.now()),
      );
  };
  const regroupAudits = async () =>
    queryRows<{ item_id: number; action: string; actor: string; source: string; details: any }>(
      w.h.db.db,
      sql`select item_id::int as item_id, action, actor, source, details from audit_log
          where action in ('split_out', 'split_from', 'merge_in', 'merged_into') order by id`,
    );
  const openItem = async (itemId: number): Promise<Page> => {
    const page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();
    await page.goto(`${w.h.bot.url}/items/${itemId}#regroup`);
    return page;
  };
  /** Presses a form's button; the status of the POST's answer. */
  const press = async (page: Page, form: 'split' | 'merge'): Promise<number> => {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/${form}`) && r.request().method() === 'POST'),
      page.locator(`form#${form} button[type=submit]`).click(),
    ]);
    await page.waitForLoadState('load');
    return res.status();
  };
  const tick = (page: Page, materialId: number) =>
    page.locator(`form#split label[data-material="${materialId}"] input[type=checkbox]`).check();

  it('移出为新件 takes the ticked photos into a new 件 of C05, and 并入 by link brings another in after them', async () => {
    const before = await liveC05();
    const page = await openItem(burstItem);
    expect(await page.locator('form#split input[type=checkbox]').count()).toBe(4);
    await tick(page, photos[1]!);
    await tick(page, photos[3]!);
    expect(await press(page, 'split')).toBe(200);
    expect(await page.locator('#regroup-result').innerText()).toContain('移出 2 个文件，成为新的一件');
    const newItem = Number(/#(\d+)/.exec(await page.locator('#regroup-link').innerText())![1]);
    expect(await filesOf(burstItem)).toEqual([photos[0], photos[2]]);
    expect(await filesOf(newItem)).toEqual([photos[1], photos[3]]);
    // One item more in C05, the same photos counted: the task's figure and the stored counts agree.
    expect(await liveC05()).toEqual(
      [...before.map(([id, n]) => (id === burstItem ? [id, 2] : [id, n])), [newItem, 2]].sort(
        (a, b) => a[0]! - b[0]!,
      ),
    );
    await countsRight();

    // The new item's page: its two photos, the 著录 form to fill; 并入 the item filed before by its link.
    await page.locator('#regroup-link').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#materials a').count()).toBe(2);
    expect(await page.locator('form#describe').count()).toBe(1);
    await page.locator('#merge-from').fill(`${w.h.bot.url}/items/${w.itemId}`);
    expect(await press(page, 'merge')).toBe(200);
    expect(await page.locator('#regroup-result').innerText()).toContain(
      `已把件 #${w.itemId} 的 1 个文件并入件 #${newItem}`,
    );
    expect(await filesOf(newItem)).toEqual([photos[1], photos[3], w.materialId]);
    expect(await page.locator('#materials a').count()).toBe(3);
    await countsRight();
    expect((await liveC05()).map(([id]) => id)).toEqual([burstItem, newItem].sort((a, b) => a - b));

    // The merged item is kept, saying where its photo went; its burst is not chased as unfiled.
    const old = await openItem(w.itemId);
    expect(await old.locator('#merged-into').innerText()).toBe(`已并入件 #${newItem}`);
    expect(await old.locator('#audit').innerText()).toContain('并入别的件');
    expect(await old.locator('form#split').count()).toBe(0);
    const [burst] = await queryRows<{ burst_id: number }>(
      w.h.db.db,
      sql`select burst_id::int as burst_id from filing_items where id = ${w.itemId}`,
    );
    expect(await unfiledBursts(w.h.db.db, { burstIds: [Number(burst!.burst_id)] })).toEqual([]);

    expect(await regroupAudits()).toEqual([
      {
        item_id: burstItem,
        action: 'split_out',
        actor: w.org.archivist,
        source: 'page',
        details: { toItemId: newItem, materialIds: [photos[1], photos[3]] },
      },
      {
        item_id: newItem,
        action: 'split_from',
        actor: w.org.archivist,
        source: 'page',
        details: { fromItemId: burstItem, materialIds: [photos[1], photos[3]] },
      },
      {
        item_id: newItem,
        action: 'merge_in',
        actor: w.org.archivist,
        source: 'page',
        details: { fromItemId: w.itemId, materialIds: [w.materialId] },
      },
      {
        item_id: w.itemId,
        action: 'merged_into',
        actor: w.org.archivist,
        source: 'page',
        details: { intoItemId: newItem, materialIds: [w.materialId] },
      },
    ]);
  });

  it('refuses every file ticked, another village’s item, a page drawn before its files changed, and a live 档号', async () => {
    const audits = (await regroupAudits()).length;
    const files = await filesOf(burstItem);
    const page = await openItem(burstItem);
    for (const id of files) await tick(page, id);
    expect(await press(page, 'split')).toBe(409);
    expect(await page.locator('#regroup-result').innerText()).toContain(
      `不能把件 #${burstItem} 的文件全部移出`,
    );
    await page.locator('#merge-from').fill(`#${w.item2Id}`);
    expect(await press(page, 'merge')).toBe(409);
    expect(await page.locator('#regroup-result').innerText()).toContain('不属于同一单位的同一项任务');
    expect(await filesOf(w.item2Id)).toEqual([w.material2Id]);

    // Drawn, then a file leaves the item from the command line: the page's 移出 is refused.
    const stale = await openItem(burstItem);
    await tick(stale, files[0]!);
    const out = await cliInProcess(
      ['archive', 'split', '--item', String(burstItem), '--files', String(files[1])],
      { DATA_DIR: w.h.dataDir },
      w.h.db,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(await press(stale, 'split')).toBe(409);
    expect(await stale.locator('#regroup-result').innerText()).toContain('的文件在你打开页面后有变动');
    expect(await filesOf(burstItem)).toEqual([files[0]]);
    expect((await regroupAudits()).length).toBe(audits + 2);

    // Confirmed: no forms, the 档号 named; a POST made anyway is refused naming it.
    const confirmed = await confirmArchive(
      { db: w.h.db.db, clock: w.clock, rules: TEST_ARCHIVE_CONFIG },
      { unitId: w.units.village.id, year: 2026, actor: 'cli', source: 'cli' },
    );
    expect(confirmed.status).toBe('confirmed');
    const [code] = await queryRows<{ archival_code: string }>(
      w.h.db.db,
      sql`select archival_code from archive_records where item_id = ${burstItem} and status = 'confirmed'`,
    );
    const cookie = await w.signIn({ openId: w.org.archivist, name: '李档案' });
    const html = await (await w.get(`/items/${burstItem}`, cookie)).text();
    expect(html).not.toContain('id="split"');
    expect(html).toContain(`已确认归档（档号 ${code!.archival_code}）：要移出文件或并入别的件，请先撤销确认`);
    const [newest] = await queryRows<{ id: number }>(
      w.h.db.db,
      sql`select id::int as id from filing_items where task_id = ${w.taskC05} and undone_at is null
          and id <> ${burstItem} order by id desc limit 1`,
    );
    const res = await fetch(`${w.h.bot.url}/items/${burstItem}/merge`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(html)!, from: String(newest!.id) }).toString(),
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain(`档号 ${code!.archival_code}`);
    expect(await filesOf(burstItem)).toEqual([files[0]]);
    expect((await regroupAudits()).length).toBe(audits + 2);
    await countsRight();
  });
});
