import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { postPhoto, postText, waitOnClock } from '../support/chat-photos.js';
import { recallEvent } from '../support/events.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
if (!onPostgres)
  console.warn(
    'regroup-recall-race: skipped (needs TEST_DATABASE_URL: PGlite runs one transaction at a time)',
  );

/**
 * A message recalled (撤回, through the webhook) while the village's archivist presses 移出 or 并入 on
 * the page of the item holding its photo: both reach the item at the same moment. A second connection
 * holds the item's row lock while both queue behind it, in the order the case names, then lets go.
 * Whichever was first does its work; the other waits and then sees it — the page 200 or its ordinary
 * 「有变动」 refusal (409), never a 500; the recall done on its first attempt, never rolled back for a
 * deadlock; every file in one live item or recalled, none lost.
 */
describe.skipIf(!onPostgres)('a recall and a 移出 / 并入 of the same item at the same moment', () => {
  let w: WebWorld;
  let other: postgres.Sql;
  let cookie: string;
  let item: number;
  const photos: { messageId: string; materialId: number }[] = [];
  beforeAll(async () => {
    w = await createWebWorld('RR');
    other = postgres(w.h.db.url!, { max: 1, onnotice: () => {} });
    for (const seed of [61, 62, 63, 64]) {
      const messageId = await postPhoto(w.h, {
        chatId: w.chats.village,
        sender: w.org.officer,
        seed,
        size: 200,
      });
      photos.push({ messageId, materialId: 0 });
    }
    await postText(w.h, { chatId: w.chats.village, sender: w.org.officer, text: '#C05 入户走访照片' });
    item = await waitOnClock(w.h, w.clock, 'the four photos filed as one item', async () => {
      const [r] = await queryRows<{ id: number; n: number }>(
        w.h.db.db,
        sql`select fi.id::int as id, count(*)::int as n from filing_items fi
              join filing_item_materials fim on fim.item_id = fi.id
            where fi.task_id = ${w.taskC05} and fi.undone_at is null and fi.id <> ${w.itemId} group by fi.id`,
      );
      return r && Number(r.n) === 4 ? Number(r.id) : undefined;
    });
    for (const p of photos)
      p.materialId = Number(
        (
          await queryRows<{ id: number }>(
            w.h.db.db,
            sql`select id::int as id from materials where message_id = ${p.messageId}`,
          )
        )[0]!.id,
      );
    await w.h.settle();
    cookie = await w.signIn({ openId: w.org.archivist, name: '李档案' });
  }, 120_000);
  afterAll(async () => {
    await other?.end();
    await w?.close();
  });

  const filesOf = async (itemId: number) =>
    (
      await queryRows<{ id: number }>(
        w.h.db.db,
        sql`select material_id::int as id from filing_item_materials where item_id = ${itemId} order by position`,
      )
    ).map((r) => Number(r.id));
  /** The page's form fields as drawn now (CSRF token and the files' mark). */
  const drawnPage = async () => {
    const page = await (await w.get(`/items/${item}`, cookie)).text();
    return { _csrf: csrfOf(page)!, drawn: /name="drawn" value="([^"]+)"/.exec(page)![1]! };
  };
  const post = (action: 'split' | 'merge', form: Record<string, string>) =>
    fetch(`${w.h.bot.url}/items/${item}/${action}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  const recall = async (messageId: string) => {
    const event = recallEvent({
      appId: w.h.fake.appId,
      messageId,
      chatId: w.chats.village,
      recallTimeMs: w.clock.now().getTime(),
    });
    expect((await w.h.post(event)).status).toBe(200);
    return event.header.event_id;
  };
  /** The recall's event: done on its first attempt, no error (a deadlock leaves it pending, retried later). */
  const recallDone = (eventId: string) =>
    waitFor('the recall processed', async () =>
      (
        await queryRows<{ status: string; attempts: number; last_error: string | null }>(
          w.h.db.db,
          sql`select status, attempts, last_error from inbound_events where event_id = ${eventId}`,
        )
      ).find((r) => r.status !== 'processing' && (r.status !== 'pending' || r.last_error !== null)),
    );
  /** Transactions of this database waiting for a lock (the second connection's own left out). */
  const waiting = (tx: postgres.TransactionSql, n: number, what: string) =>
    waitFor(what, async () => {
      const [row] = await tx`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`;
      return row!.n >= n;
    });
  /** Files in more than one live item: none, ever. */
  const twice = () =>
    queryRows<{ material_id: number }>(
      w.h.db.db,
      sql`select fim.material_id from filing_item_materials fim
            join filing_items fi on fi.id = fim.item_id and fi.undone_at is null
          group by fim.material_id having count(*) > 1`,
    );

  it('移出 first, the recall of a photo it takes out second: both done, the photo off the new item', async () => {
    const form = await drawnPage();
    const [, p1, , p3] = photos;
    let splitting: Promise<Response> | undefined;
    let recallId = '';
    await other.begin(async (tx) => {
      await tx`set local deadlock_timeout = '60s'`;
      await tx`select id from filing_items where id = ${item} for update`;
      splitting = post('split', { ...form, [`m_${p1!.materialId}`]: '1', [`m_${p3!.materialId}`]: '1' });
      await waiting(tx, 1, 'the 移出 waiting for the item');
      recallId = await recall(p1!.messageId);
      await waiting(tx, 2, 'the recall waiting too');
    });
    const res = await splitting!;
    const page = await res.text();
    expect(res.status, page.slice(0, 300)).toBe(200);
    expect(page).toContain('移出 2 个文件，成为新的一件');
    const row = await recallDone(recallId);
    expect(row).toEqual({ status: 'done', attempts: 1, last_error: null });

    const [newItem] = await queryRows<{ id: number }>(
      w.h.db.db,
      sql`select (details->>'toItemId')::int as id from audit_log where action = 'split_out' and item_id = ${item}`,
    );
    expect(await filesOf(item)).toEqual([photos[0]!.materialId, photos[2]!.materialId]);
    expect(await filesOf(Number(newItem!.id))).toEqual([p3!.materialId]);
    const [m] = await queryRows<{ status: string }>(
      w.h.db.db,
      sql`select status from materials where id = ${p1!.materialId}`,
    );
    expect(m!.status).toBe('recalled');
    expect(await twice()).toEqual([]);
  });

  it('the recall first, 并入 from a page drawn before it second: the recall done, the page refused as changed', async () => {
    const form = await drawnPage();
    const p2 = photos[2]!;
    let merging: Promise<Response> | undefined;
    let recallId = '';
    await other.begin(async (tx) => {
      await tx`set local deadlock_timeout = '60s'`;
      await tx`select id from filing_items where id = ${item} for update`;
      recallId = await recall(p2.messageId);
      await waiting(tx, 1, 'the recall waiting for the item');
      merging = post('merge', { ...form, from: String(w.itemId) });
      await waiting(tx, 2, 'the 并入 waiting too');
    });
    const res = await merging!;
    const page = await res.text();
    expect(res.status, page.slice(0, 300)).toBe(409);
    expect(page).toContain('的文件在你打开页面后有变动');
    expect(await recallDone(recallId)).toEqual({ status: 'done', attempts: 1, last_error: null });
    expect(await filesOf(item)).toEqual([photos[0]!.materialId]);
    expect(await filesOf(w.itemId)).toEqual([w.materialId]);
    expect(await twice()).toEqual([]);
  });
});
