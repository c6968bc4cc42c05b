import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { actionValue, tapIn } from '../support/chat-actions.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

const PUBLIC_URL = 'https://archive.example.test';
const HOUR = 3600_000;

/**
 * An approved 申请更正 carried out on the item page: the request card's links carry the request
 * (`?r=`), the page says which request it carries out and keeps it through its forms, and a 移出, 并入
 * or 著录 saved there closes it (`correction_done`, the requester told 「已改好」, no longer owed on 查).
 * A forged or foreign `r`, or one opened by someone else than an archivist, closes nothing. A request
 * owed on a 件 that is 并入 another is closed too (its 件 is no more). Officer's request and the
 * archivist's 同意 through the fake Lark; the page over HTTP with the archivist's signed-in cookie.
 */
describe('an approved 申请更正 carried out on the item page', () => {
  let w: WebWorld;
  let archivist: string;
  let officer: string;
  const direct = `oc_${randomBytes(8).toString('hex')}`;
  let item: number;
  let files: number[];
  /** A request approved on w.itemId and left owed (the second test). */
  let owedOnB: number;
  beforeAll(async () => {
    w = await createWebWorld('WQ', { PUBLIC_URL });
    // Three photos filed with one #C05: one 件 of three.
    for (const seed of [51, 52, 53])
      await postPhoto(w.h, { chatId: w.chats.village, sender: w.org.officer, seed, size: 200 });
    await postText(w.h, { chatId: w.chats.village, sender: w.org.officer, text: '#C05 入户走访照片' });
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
    files = await filesOf(item);
    await w.h.settle();
  }, 120_000);
  afterAll(() => w?.close());

  const filesOf = async (itemId: number) =>
    (
      await queryRows<{ id: number }>(
        w.h.db.db,
        sql`select material_id::int as id from filing_item_materials where item_id = ${itemId} order by position`,
      )
    ).map((r) => Number(r.id));
  const sentTo = (openId: string, words: string) =>
    w.h.fake
      .sentMessages()
      .filter((m) => m.receiveId === openId && JSON.stringify(m.content).includes(words));
  const done = async (requestId: number) =>
    queryRows<{ actor: string; source: string; item_id: number; done: string }>(
      w.h.db.db,
      sql`select actor, source, item_id::int as item_id, details->>'done' as done from audit_log
          where action = 'correction_done' and (details->>'requestId')::bigint = ${requestId}`,
    );
  /** The officer asks about `itemId` (after the 24 hours), the archivist says 同意: its card's links. */
  const approvedRequest = async (itemId: number, text: string) => {
    w.clock.advance(25 * HOUR);
    const form = await tapIn(w.h, w.chats.village, w.org.officer, { a: 'fix', i: itemId });
    const sent = await tapIn(
      w.h,
      w.chats.village,
      w.org.officer,
      actionValue(form.card.data, 'fix-request'),
      { formValue: { text } },
    );
    expect(sent.toast.type).toBe('success');
    await w.h.settle();
    const card = await waitFor('the request card to the archivist', () =>
      w.h.fake
        .sentMessages()
        .find((m) => m.receiveId === w.org.archivist && JSON.stringify(m.content).includes(text)),
    );
    const yes = await tapIn(w.h, direct, w.org.archivist, actionValue(card.content, 'fix-answer'));
    expect(yes.toast.type).toBe('success');
    // Signed in after the clock moved past the 24 hours (a session made before would have ended).
    w.h.fake.signInAs({ openId: w.org.archivist, name: '李档案' });
    archivist = await w.signIn({ openId: w.org.archivist, name: '李档案' });
    w.h.fake.signInAs({ openId: w.org.officer, name: '王村官' });
    officer = await w.signIn({ openId: w.org.officer, name: '王村官' });
    const json = JSON.stringify(yes.card.data);
    const link = (hash: string) => {
      const m = new RegExp(`${PUBLIC_URL}(/items/${itemId}\\?r=(\\d+)#${hash})`).exec(json);
      if (!m) throw new Error(`no ${hash} link with the request in ${json.slice(0, 300)}`);
      return { path: m[1]!, requestId: Number(m[2]) };
    };
    return { regroup: link('regroup'), describe: link('describe') };
  };
  const page = async (path: string, cookie = archivist) => {
    const res = await w.get(path.replace(/#.*/, ''), cookie);
    expect(res.status).toBe(200);
    return res.text();
  };
  const post = async (path: string, form: Record<string, string>, cookie = archivist) => {
    const res = await fetch(`${w.h.bot.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, text: await res.text() };
  };
  const hiddenOf = (html: string, name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  const owedOnList = async () => {
    const { approvedOpenRequests } = await import('../../src/db/repos/correction-items.js');
    return (
      await approvedOpenRequests(w.h.db.db, { unitPath: w.units.village.path, limit: 50 })
    ).requests.map((r) => r.id);
  };

  it("移出 from the request card's link closes 「这几张应是两件」: audited, the requester told, no longer owed", async () => {
    const { regroup, describe } = await approvedRequest(item, '后两张是另一户的，应是两件');
    expect(describe.requestId).toBe(regroup.requestId);
    const r = regroup.requestId;
    expect(await owedOnList()).toContain(r);

    const html = await page(regroup.path);
    expect(html).toContain('正在办理更正申请：「后两张是另一户的，应是两件」');
    // Its forms keep the request: 更正著录, 移出, 并入.
    expect(html.match(new RegExp(`name="r" value="${r}"`, 'g'))).toHaveLength(3);
    // The officer opening the same link: not theirs to carry out, said so, no form carries it.
    const asOfficer = await page(regroup.path, officer);
    expect(asOfficer).toContain('只能由本单位的档案员在这一件上办理');
    expect(hiddenOf(asOfficer, 'r')).toBeUndefined();

    const res = await post(`/items/${item}/split`, {
      _csrf: csrfOf(html)!,
      drawn: hiddenOf(html, 'drawn')!,
      r: String(r),
      [`m_${files[1]}`]: '1',
      [`m_${files[2]}`]: '1',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('移出 2 个文件');
    expect(res.text).toContain('更正申请已办结，已告知申请人');
    expect(res.text).toContain('更正申请「后两张是另一户的，应是两件」已办结');
    expect(hiddenOf(res.text, 'r')).toBeUndefined();
    const [row] = await done(r);
    expect(row).toMatchObject({ actor: w.org.archivist, source: 'page', item_id: item });
    expect(row!.done).toMatch(/^已把其中 2 个文件移出，成为单独的一件（件 #\d+）$/);
    await w.h.settle();
    const told = await waitFor(
      'the requester told it is done',
      () => sentTo(w.org.officer, '的材料已改好：已把其中 2 个文件移出')[0],
    );
    expect(JSON.stringify(told.content)).toContain('您申请更正的城关村「C05');
    expect(await owedOnList()).not.toContain(r);
    // The link again: the request is closed, the page says so and carries none.
    const again = await page(regroup.path);
    expect(again).toContain('不是这一件待办的');
    expect(hiddenOf(again, 'r')).toBeUndefined();
  });

  it("更正著录 (页数) from the card's page link closes 「页数写错了」; a foreign or forged r closes nothing", async () => {
    const other = await approvedRequest(w.itemId, '照片拍糊了');
    owedOnB = other.describe.requestId;
    const { describe } = await approvedRequest(item, '页数写错了');
    const r = describe.requestId;
    // Another item's request on this item's page, and a made-up one: refused, not carried.
    for (const forged of [other.describe.requestId, 999999999, 'x']) {
      const html = await page(`/items/${item}?r=${forged}`);
      expect(html).toContain('不是这一件待办的');
      expect(hiddenOf(html, 'r')).toBeUndefined();
    }
    // A form posted with the other item's request (forged by hand): saved, that request left owed.
    const before = await page(`/items/${item}`);
    const forgedPost = await post(`/items/${item}/describe`, {
      _csrf: csrfOf(before)!,
      drawn_remarks: hiddenOf(before, 'drawn_remarks')!,
      remarks: '入户走访',
      r: String(other.describe.requestId),
    });
    expect(forgedPost.status).toBe(200);
    expect(forgedPost.text).toContain('已保存');
    expect(forgedPost.text).toContain('不是这一件待办的');
    expect(forgedPost.text).not.toContain('更正申请已办结');
    expect(await done(other.describe.requestId)).toEqual([]);
    expect(await owedOnList()).toContain(other.describe.requestId);

    const html = await page(describe.path);
    expect(html).toContain('正在办理更正申请：「页数写错了」');
    const res = await post(`/items/${item}/describe`, {
      _csrf: csrfOf(html)!,
      drawn_pages: hiddenOf(html, 'drawn_pages')!,
      pages: '1',
      r: hiddenOf(html, 'r')!,
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('更正申请已办结，已告知申请人');
    expect(await done(r)).toMatchObject([
      { source: 'page', item_id: item, done: '已更正著录（页数改为「1」）' },
    ]);
    await waitFor(
      'the requester told',
      () => sentTo(w.org.officer, '已改好：已更正著录（页数改为「1」）')[0],
    );
    expect(await owedOnList()).not.toContain(r);
  });

  it("并入 from the request card's link closes 「这两件应是一件」, and a request owed on the 件 merged away", async () => {
    const onB = owedOnB;
    // The request left owed above is on w.itemId (B); this one on the item (A).
    const { regroup } = await approvedRequest(item, '和会议照片应是一件');
    const r = regroup.requestId;
    const html = await page(regroup.path);
    const res = await post(`/items/${item}/merge`, {
      _csrf: csrfOf(html)!,
      drawn: hiddenOf(html, 'drawn')!,
      r: hiddenOf(html, 'r')!,
      from: `#${w.itemId}`,
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain(`已把件 #${w.itemId} 的 1 个文件并入件 #${item}`);
    expect(res.text).toContain('更正申请已办结');
    for (const [id, on] of [
      [r, item],
      [onB, w.itemId],
    ] as const)
      expect(await done(id)).toMatchObject([
        { source: 'page', item_id: on, done: `已把件 #${w.itemId} 并入件 #${item}，合为一件` },
      ]);
    await waitFor('both requesters told', () =>
      sentTo(w.org.officer, `已改好：已把件 #${w.itemId} 并入件 #${item}`).length === 2 ? true : undefined,
    );
    expect(await owedOnList()).toEqual([]);
  });
});
