import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueEntryOf } from '../../src/archive/catalogue-entry.js';
import { queryRows } from '../../src/db/client.js';
import { listRecordsPage, listScopeClasses } from '../../src/db/repos/archive-catalogue.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { sayToBot } from '../support/chat-actions.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

/**
 * 移出 / 并入 and the 目录: a 页数 described on the 件 is cleared (it counted files that moved) and the
 * result says so; the 件 移出 gets a provisional 题名 told apart from the source's (「…（移出部分）」) and not
 * the source's 文号 read out of it; 确认归档's preview lists it as still to describe until its 题名 is
 * entered. The page over HTTP with the archivist's signed-in cookie; 确认归档 through the fake Lark; the
 * catalogue read from the confirmed records.
 */
describe('移出 / 并入 leave the 目录 true', () => {
  let w: WebWorld;
  let cookie: string;
  let item: number;
  let files: number[];
  beforeAll(async () => {
    w = await createWebWorld('WC');
    for (const seed of [61, 62, 63])
      await postPhoto(w.h, { chatId: w.chats.village, sender: w.org.officer, seed, size: 200 });
    await postText(w.h, {
      chatId: w.chats.village,
      sender: w.org.officer,
      text: '#C05 入户走访通知 城发〔2026〕3号',
    });
    item = await waitOnClock(w.h, w.clock, 'the three photos filed as one item', async () => {
      const [r] = await queryRows<{ id: number; n: number }>(
        w.h.db.db,
        sql`select fi.id::int as id, count(m.thumbnail_key)::int as n from filing_items fi
              join filing_item_materials fim on fim.item_id = fi.id join materials m on m.id = fim.material_id
            where fi.task_id = ${w.taskC05} and fi.undone_at is null and fi.id <> ${w.itemId}
            group by fi.id`,
      );
      return r && Number(r.n) === 3 ? Number(r.id) : undefined;
    });
    files = (
      await queryRows<{ id: number }>(
        w.h.db.db,
        sql`select material_id::int as id from filing_item_materials where item_id = ${item} order by position`,
      )
    ).map((r) => Number(r.id));
    await w.h.settle();
    w.h.fake.signInAs({ openId: w.org.archivist, name: '李档案' });
    cookie = await w.signIn({ openId: w.org.archivist, name: '李档案' });
  }, 120_000);
  afterAll(() => w?.close());

  const page = async (itemId: number) => (await w.get(`/items/${itemId}`, cookie)).text();
  const hiddenOf = (html: string, name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  const post = async (path: string, form: Record<string, string>) => {
    const res = await fetch(`${w.h.bot.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, text: await res.text() };
  };
  const describeOn = async (itemId: number, field: string, value: string) => {
    const html = await page(itemId);
    const res = await post(`/items/${itemId}/describe`, {
      _csrf: csrfOf(html)!,
      [`drawn_${field}`]: hiddenOf(html, `drawn_${field}`)!,
      [field]: value,
    });
    expect(res.text).toContain('已保存');
  };
  const described = async (itemId: number) =>
    (
      await queryRows<{ title: string | null; pages: number | null; doc_number: string | null }>(
        w.h.db.db,
        sql`select title, pages, doc_number from item_descriptions where item_id = ${itemId}`,
      )
    )[0];
  const previewText = async () =>
    JSON.stringify(
      (await sayToBot(w.h, { chatId: w.chats.village, sender: w.org.archivist, text: '确认归档' })).content,
    );

  it("移出: the 页数 described is cleared and said, the new 件 named 「…（移出部分）」 without the source's 文号, listed by 确认归档 until described", async () => {
    await describeOn(item, 'pages', '6');
    expect((await described(item))?.pages).toBe(6);
    const html = await page(item);
    const res = await post(`/items/${item}/split`, {
      _csrf: csrfOf(html)!,
      drawn: hiddenOf(html, 'drawn')!,
      [`m_${files[1]}`]: '1',
      [`m_${files[2]}`]: '1',
    });
    expect(res.status).toBe(200);
    const newItem = Number(/成为新的一件 #(\d+)/.exec(res.text)![1]);
    expect(res.text).toContain('题名暂为「入户走访通知 城发〔2026〕3号（移出部分）」');
    expect(res.text).toContain(`件 #${item} 著录的页数（6）已清空，目录暂按文件计，请核对后重新填写`);
    expect((await described(item))?.pages).toBeNull();
    expect(await described(newItem)).toMatchObject({ title: null, doc_number: '', pages: null });

    // 确认归档's preview names the new 件 as still to describe; once its 题名 is entered, no longer.
    const before = await previewText();
    expect(before).toContain('1件是移出后的新件，还没有著录');
    expect(before).toContain('- &#35;C05 入户走访通知 城发〔2026〕3号（移出部分）"');
    await describeOn(newItem, 'title', '入户走访登记表');
    expect(await previewText()).not.toContain('移出后的新件');

    // 并入 into the new 件, its 页数 described first: cleared too, and said.
    await describeOn(newItem, 'pages', '2');
    const into = await page(newItem);
    const merged = await post(`/items/${newItem}/merge`, {
      _csrf: csrfOf(into)!,
      drawn: hiddenOf(into, 'drawn')!,
      from: `#${w.itemId}`,
    });
    expect(merged.status).toBe(200);
    expect(merged.text).toContain(`件 #${newItem} 著录的页数（2）已清空`);
    expect((await described(newItem))?.pages).toBeNull();

    // The 目录: two 件 with their own 题名 and 文号, each counting its own files.
    const confirmed = await confirmArchive(
      { db: w.h.db.db, clock: w.clock, rules: TEST_ARCHIVE_CONFIG },
      { unitId: w.units.village.id, year: 2026, actor: 'cli', source: 'cli' },
    );
    expect(confirmed.status).toBe('confirmed');
    const scope = { unitPath: w.units.village.path, year: 2026 };
    const entries = new Map<number, ReturnType<typeof catalogueEntryOf>>();
    for (const cls of await listScopeClasses(w.h.db.db, scope))
      for (const r of await listRecordsPage(w.h.db.db, scope, cls.classKey, 0, 100))
        entries.set(r.itemId, catalogueEntryOf(r, { timeZone: 'Asia/Shanghai', secrecyDefault: '' }));
    const [a, b] = [entries.get(item)!, entries.get(newItem)!];
    expect(a.docNumber).toBe('城发〔2026〕3号');
    expect(b.docNumber).toBe('');
    expect(a.title).not.toBe(b.title);
    expect(b.title).toContain('入户走访登记表');
    expect([a.pages, b.pages]).toEqual([1, 3]);
  });
});
