import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { buttonValue } from '../support/cards.js';
import { tapCard } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet, waitOnClock } from '../support/chat-photos.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow, catchUpWithCommandLine } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * 移出 / 并入 (the CLI) of items filed from the chat (webhook, card callbacks through the SDK against the
 * fake Lark, a real database and files): the burst's card drawn again states what its item holds now; a
 * file of a merged burst downloaded late joins the item holding the burst's files; and a burst filed
 * again after its item was split and undone never puts a file in two live items.
 */
describe('items filed from the chat, then 移出 / 并入', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({
      mode: 'webhook',
      clock,
      env: { BURST_DOWNLOAD_WAIT_SECONDS: '10', STORED_REACTION: 'off' },
    });
    org = await seedOrg(h.db.db, { prefix: 'RG', clock });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          select ${chatId}, id, 'active', 'cli', ${clock.now()} from units where code = ${org.village}`,
    );
  });
  afterAll(() => h.close());

  const click = (value: Record<string, unknown>, messageId?: string) =>
    tapCard(h, { operator: org.officer, value, chatId, messageId });
  const cli = async (...args: string[]) => {
    const out = await cliInProcess(['archive', ...args], { DATA_DIR: h.dataDir }, h.db);
    expect(out.code, out.stderr).toBe(0);
    // Its jobs are stamped with the real time: the card's redraw never came due late in a Beijing evening.
    await catchUpWithCommandLine(clock);
    return out;
  };
  const filesOf = async (itemId: number) =>
    (
      await queryRows<{ id: number }>(
        h.db.db,
        sql`select material_id::int as id from filing_item_materials where item_id = ${itemId} order by position`,
      )
    ).map((r) => Number(r.id));
  /** Files sitting in more than one live item: none, ever. */
  const twice = () =>
    queryRows<{ material_id: number }>(
      h.db.db,
      sql`select fim.material_id from filing_item_materials fim
            join filing_items fi on fi.id = fim.item_id and fi.undone_at is null
          group by fim.material_id having count(*) > 1`,
    );
  const materialStatus = async (messageId: string) =>
    (
      await queryRows<{ status: string }>(
        h.db.db,
        sql`select status from materials where message_id = ${messageId}`,
      )
    )[0]?.status;
  const materialOf = async (messageId: string) =>
    Number(
      (
        await queryRows<{ id: number }>(
          h.db.db,
          sql`select id::int as id from materials where message_id = ${messageId}`,
        )
      )[0]!.id,
    );
  /** Photos sent in one go (their seeds), answered and filed from the card: its first task, or `task`. */
  const fileBurst = async (seeds: number[], task?: number) => {
    const messages: string[] = [];
    for (const seed of seeds) messages.push(await postPhoto(h, { chatId, sender: org.officer, seed }));
    const ack = await replyAfterQuiet(h, clock, messages[0]!);
    const fileValue = { ...buttonValue(ack.content, 'file'), ...(task ? { t: task } : {}) };
    const filed = await click(fileValue, ack.messageId);
    expect(filed.toast.type).toBe('success');
    const undoValue = buttonValue(filed.card.data, 'undo');
    return { ack, fileValue, undoValue, item: Number(undoValue.i), messages, task: Number(fileValue.t) };
  };
  /** The text of a card's newest patch after `since` patches, once the corrected-card job drew it. */
  const patchedAfter = async (since: number, messageId: string, what: string) =>
    JSON.stringify(
      (
        await waitOnClock(h, clock, what, () =>
          h.fake
            .patches()
            .slice(since)
            .filter((p) => p.messageId === messageId)
            .at(-1),
        )
      ).content,
    ).replaceAll('&#35;', '#');
  const newItemOf = async (itemId: number) =>
    Number(
      (
        await queryRows<{ id: number }>(
          h.db.db,
          sql`select (details->>'toItemId')::int as id from audit_log
              where action = 'split_out' and item_id = ${itemId} order by id desc limit 1`,
        )
      )[0]!.id,
    );

  it('after 移出 and 并入, the item’s card counts the files it holds, not its burst’s', async () => {
    const a = await fileBurst([21, 22, 23]);
    const b = await fileBurst([24], a.task);
    const third = await materialOf(a.messages[2]!);

    let since = h.fake.patches().length;
    await cli('split', '--item', String(a.item), '--files', String(third));
    expect(await newItemOf(a.item)).toBeGreaterThan(a.item);
    let card = await patchedAfter(since, a.ack.messageId, 'A’s card after 移出');
    expect(card).toContain('收到 2 张照片');
    expect(card).not.toContain('收到 3 张照片');
    expect(card).toContain('另有 1 张照片已由档案员移出，单独成为一件');

    since = h.fake.patches().length;
    await cli('merge', '--item', String(a.item), '--from', String(b.item));
    expect(await filesOf(a.item)).toHaveLength(3);
    card = await patchedAfter(since, a.ack.messageId, 'A’s card after 并入');
    expect(card).toContain('收到 3 张照片');
    expect(card).toContain('其中 1 张照片是从别的件并入的');
    expect(card).toContain('另有 1 张照片已由档案员移出，单独成为一件');
    expect(card).toContain('"a":"undo"');
  });

  it('a photo of a merged burst downloaded after 并入 joins the item that holds the burst’s files', async () => {
    // Burst B: one photo stored, one whose download Lark answers 503 until the faults are cleared.
    const slow = id('om_');
    h.fake.inject({ path: new RegExp(`/messages/${slow}/resources/`), fault: { status: 503 } });
    const first = await postPhoto(h, { chatId, sender: org.officer, seed: 31 });
    await postPhoto(h, { chatId, sender: org.officer, seed: 32, messageId: slow });
    const ack = await replyAfterQuiet(h, clock, first);
    expect(JSON.stringify(ack.content)).toContain('还有 1 个正在下载');
    const a = await fileBurst([33]);
    const filedB = await click({ ...buttonValue(ack.content, 'file'), t: a.task }, ack.messageId);
    expect(filedB.toast.type).toBe('success');
    const itemB = Number(buttonValue(filedB.card.data, 'undo').i);
    expect(await materialStatus(slow)).toBe('pending');

    await cli('merge', '--item', String(a.item), '--from', String(itemB));
    h.fake.clearFaults();
    await waitOnClock(
      h,
      clock,
      'the slow photo stored',
      async () => (await materialStatus(slow)) === 'stored',
    );
    await h.settle();
    expect(await filesOf(a.item)).toEqual([
      await materialOf(a.messages[0]!),
      await materialOf(first),
      await materialOf(slow),
    ]);
    expect(await filesOf(itemB)).toEqual([]);
    const [joined] = await queryRows<{ item_id: number }>(
      h.db.db,
      sql`select item_id::int as item_id from audit_log where action = 'join_late'
          and (details->>'materialId')::bigint = ${await materialOf(slow)}`,
    );
    expect(Number(joined!.item_id)).toBe(a.item);
    const [item] = await queryRows<{ n_photo: number }>(
      h.db.db,
      sql`select n_photo from filing_items where id = ${a.item}`,
    );
    expect(Number(item!.n_photo)).toBe(3);
    expect(await twice()).toEqual([]);
  });

  it('a late photo of a burst 移出 mostly elsewhere, the rest 并入: joins the item it was 并入, not the one holding most', async () => {
    const slow = id('om_');
    h.fake.inject({ path: new RegExp(`/messages/${slow}/resources/`), fault: { status: 503 } });
    const messages: string[] = [];
    for (const seed of [51, 52, 53]) messages.push(await postPhoto(h, { chatId, sender: org.officer, seed }));
    await postPhoto(h, { chatId, sender: org.officer, seed: 54, messageId: slow });
    const ack = await replyAfterQuiet(h, clock, messages[0]!);
    expect(JSON.stringify(ack.content)).toContain('还有 1 个正在下载');
    const a = await fileBurst([55]);
    const filedB = await click({ ...buttonValue(ack.content, 'file'), t: a.task }, ack.messageId);
    expect(filedB.toast.type).toBe('success');
    const itemB = Number(buttonValue(filedB.card.data, 'undo').i);
    const files = await Promise.all(messages.map(materialOf));
    // Two of its three files 移出 into a new item, the one left 并入 A.
    await cli('split', '--item', String(itemB), '--files', `${files[1]},${files[2]}`);
    const split = await newItemOf(itemB);
    await cli('merge', '--item', String(a.item), '--from', String(itemB));
    h.fake.clearFaults();
    await waitOnClock(
      h,
      clock,
      'the slow photo stored',
      async () => (await materialStatus(slow)) === 'stored',
    );
    await h.settle();
    expect(await filesOf(a.item)).toEqual([
      await materialOf(a.messages[0]!),
      files[0],
      await materialOf(slow),
    ]);
    expect(await filesOf(split)).toEqual([files[1], files[2]]);
    expect(await twice()).toEqual([]);
  });

  it('split, the new item undone, the burst filed again from its card: no file in two live items', async () => {
    const x = await fileBurst([41, 42, 43]);
    const files = await Promise.all(x.messages.map(materialOf));
    await cli('split', '--item', String(x.item), '--files', String(files[2]));
    const split = await newItemOf(x.item);

    // 撤销 on the card while the new item is live, then a task again: only the files in no live item.
    const undone = await click({ ...x.undoValue, sure: 1 }, x.ack.messageId);
    expect(undone.toast.type).toBe('success');
    const again = await click({ ...buttonValue(undone.card.data, 'file'), t: x.task }, x.ack.messageId);
    expect(again.toast.type).toBe('success');
    const refiled = Number(buttonValue(again.card.data, 'undo').i);
    expect(await filesOf(refiled)).toEqual([files[0], files[1]]);
    expect(await filesOf(split)).toEqual([files[2]]);
    expect(await twice()).toEqual([]);

    // The new item undone (撤下), the filing 撤销 again and the burst filed once more: all three in it.
    await cli('unfile', '--item', String(split));
    const undone2 = await click({ ...buttonValue(again.card.data, 'undo'), sure: 1 }, x.ack.messageId);
    expect(undone2.toast.type).toBe('success');
    const third = await click({ ...buttonValue(undone2.card.data, 'file'), t: x.task }, x.ack.messageId);
    expect(third.toast.type).toBe('success');
    expect(await filesOf(Number(buttonValue(third.card.data, 'undo').i))).toEqual(files);
    expect(await twice()).toEqual([]);
  });
});
