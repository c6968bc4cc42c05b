import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { buttonValue } from '../support/cards.js';
import { tapCard } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet, waitOnClock } from '../support/chat-photos.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * 移出 / 并入 (the CLI) of items filed from the chat (webhook, card callbacks through the SDK against the
 * fake Lark, a real database and files): the burst's card drawn again states what its item holds now.
 */
describe('the chat cards of regrouped items', () => {
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
    return out;
  };
  const filesOf = async (itemId: number) =>
    (
      await queryRows<{ id: number }>(
        h.db.db,
        sql`select material_id::int as id from filing_item_materials where item_id = ${itemId} order by position`,
      )
    ).map((r) => Number(r.id));
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
    const split = await newItemOf(a.item);
    let card = await patchedAfter(since, a.ack.messageId, 'A’s card after 移出');
    expect(card).toContain('收到 2 张照片');
    expect(card).not.toContain('收到 3 张照片');
    expect(card).toContain(`另有 1 张照片已移出，现在是件 #${split}`);

    since = h.fake.patches().length;
    await cli('merge', '--item', String(a.item), '--from', String(b.item));
    expect(await filesOf(a.item)).toHaveLength(3);
    card = await patchedAfter(since, a.ack.messageId, 'A’s card after 并入');
    expect(card).toContain('收到 3 张照片');
    expect(card).toContain('其中 1 张照片是从别的件并入的');
    expect(card).toContain(`另有 1 张照片已移出，现在是件 #${split}`);
    expect(card).toContain('"a":"undo"');
  });
});
