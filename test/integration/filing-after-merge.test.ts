import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { tapCard } from '../support/chat-actions.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buttonValue } from '../support/cards.js';
import { ManualClock, awakeNow, catchUpWithCommandLine } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet, waitOnClock } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * 并入 through the CLI, then the merged burst's old card in the chat (webhook, card callbacks through
 * the SDK against the fake Lark, a real database): it is drawn again saying where its files went, and
 * neither 撤销 on it nor a task tapped on it files the burst a second time — no new item, no file in
 * two live items.
 */
describe('a burst 并入 another item is not filed again', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'M', clock });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          select ${chatId}, id, 'active', 'cli', ${clock.now()} from units where code = ${org.village}`,
    );
  });
  afterAll(() => h.close());

  const click = (value: Record<string, unknown>, messageId?: string) =>
    tapCard(h, { operator: org.officer, value, chatId, messageId });
  const itemsCount = async () =>
    Number((await queryRows<{ n: number }>(h.db.db, sql`select count(*)::int as n from filing_items`))[0]!.n);
  /** Files sitting in more than one live item: none, ever. */
  const twice = () =>
    queryRows<{ material_id: number }>(
      h.db.db,
      sql`select fim.material_id from filing_item_materials fim
            join filing_items fi on fi.id = fim.item_id and fi.undone_at is null
          group by fim.material_id having count(*) > 1`,
    );

  it('撤销 and a task on the merged burst’s card are refused, and its card says where the files are', async () => {
    const fileBurst = async (seed: number) => {
      const messageId = await postPhoto(h, { chatId, sender: org.officer, seed });
      const ack = await replyAfterQuiet(h, clock, messageId);
      const fileValue = buttonValue(ack.content, 'file');
      const filed = await click(fileValue, ack.messageId);
      expect(filed.toast.type).toBe('success');
      return { ack, fileValue, undoValue: buttonValue(filed.card.data, 'undo') };
    };
    const a = await fileBurst(11);
    const b = await fileBurst(12);
    const [itemA, itemB] = [Number(a.undoValue.i), Number(b.undoValue.i)];

    const before = h.fake.patches().length;
    const merged = await cliInProcess(
      ['archive', 'merge', '--item', String(itemA), '--from', String(itemB)],
      { DATA_DIR: h.dataDir },
      h.db,
    );
    expect(merged.code, merged.stderr).toBe(0);
    await catchUpWithCommandLine(clock);
    // B's card is drawn again by the corrected-card job: where its files went, no 撤销, no task.
    const patched = await waitOnClock(h, clock, 'B’s card drawn again', () =>
      h.fake
        .patches()
        .slice(before)
        .find((p) => p.messageId === b.ack.messageId),
    );
    const text = JSON.stringify(patched.content);
    expect(text).toContain(`件 #${itemA}`);
    expect(text).not.toContain('"a":"undo"');
    expect(text).not.toContain('"a":"file"');
    // A's card is drawn again too (its task's count as it is now).
    await waitOnClock(h, clock, 'A’s card drawn again', () =>
      h.fake
        .patches()
        .slice(before)
        .find((p) => p.messageId === a.ack.messageId),
    );
    const items = await itemsCount();

    // 确定撤销 on B's old card: refused, the card says where the files are (it drew the filing card
    // again, whose task then filed the burst a second time).
    const undone = await click({ ...b.undoValue, sure: 1 }, b.ack.messageId);
    expect(undone.toast.content).toContain('并入');
    expect(JSON.stringify(undone.card.data)).toContain(`件 #${itemA}`);
    expect(JSON.stringify(undone.card.data)).not.toContain('"a":"file"');

    // A task tapped on a copy of B's filing card drawn now (round 1: after B's filing ended).
    const tapped = await click({ ...b.fileValue, r: 1 }, b.ack.messageId);
    expect(tapped.toast.content).toContain(`这组材料已归入件 #${itemA}`);
    expect(tapped.toast.content).toContain('不用再交');
    expect(JSON.stringify(tapped.card.data)).not.toContain('"a":"undo"');

    expect(await itemsCount()).toBe(items);
    expect(await twice()).toEqual([]);
    const live = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from filing_items where undone_at is null order by id`,
    );
    expect(live.map((r) => Number(r.id))).toEqual([itemA]);
  });
});
