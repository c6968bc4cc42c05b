import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { postPhoto, replyAfterQuiet, waitOnClock } from '../support/chat-photos.js';
import { tapCard } from '../support/chat-actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * The officer filed photos to a task, then sends one more photo as a reply (引用回复) to that filed card:
 * "this belongs there too". The new card offers that task first (one tap), with the usual choices below.
 * Sent as a reply to a card not tapped yet, it joins that card's photos: one card, one tap.
 */
describe('a photo sent as a reply to a filed card', () => {
  let h: Harness;
  let org: SeededOrg;
  let taskId: number;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock, env: { STORED_REACTION: 'off' } });
    org = await seedOrg(h.db.db, { prefix: 'RF', clock });
    const villageId = await bindVillageChat(h, org, chatId);
    const [task] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from tasks where unit_id = ${villageId} and code = 'C12'`,
    );
    taskId = task!.id;
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const text = (m: unknown) => JSON.stringify(m);
  const tap = (
    value: Record<string, unknown>,
    messageId: string,
  ): Promise<{ toast: { type: string; content?: string }; card?: { data: unknown } }> =>
    tapCard(h, { operator: org.officer, value, chatId, messageId });
  const fileButtons = (card: unknown) => cardButtons(card).filter((b) => b.value.a === 'file');
  const itemTasks = () =>
    queryRows<{ task_id: number }>(
      h.db.db,
      sql`select task_id::int as task_id from filing_items where undone_at is null order by id`,
    );

  it('offers the filed task first, keeps the other choices, and one tap files it there', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const ack1 = await replyAfterQuiet(h, clock, first);
    const choice = fileButtons(ack1.content)[0]!;
    expect((await tap({ ...choice.value, t: taskId }, ack1.messageId)).toast.type).toBe('success');

    const more = await postPhoto(h, { chatId, sender: org.officer, parentId: ack1.messageId, rootId: first });
    const ack2 = await replyAfterQuiet(h, clock, more);
    // Not filed on its own: the officer still decides, with the filed task first.
    expect(await itemTasks()).toHaveLength(1);
    expect(text(ack2.content)).toContain('你回复的那组材料交在「');
    const buttons = fileButtons(ack2.content);
    expect(buttons[0]!.value.t).toBe(taskId);
    expect(text(ack2.content)).toContain('和回复的那组同一项');
    expect(buttons.length).toBeGreaterThan(1);
    expect(cardButtons(ack2.content).some((b) => b.value.a === 'skip')).toBe(true);

    const filed = await tap(buttons[0]!.value, ack2.messageId);
    expect(filed.toast.type).toBe('success');
    expect((await itemTasks()).map((r) => r.task_id)).toEqual([taskId, taskId]);
  });

  it('a photo sent in reply to a card nobody tapped joins it: that card drawn again, one tap files them all', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const ack1 = await replyAfterQuiet(h, clock, first);
    expect(text(ack1.content)).toContain('收到 1 张照片');
    const more = await postPhoto(h, { chatId, sender: org.officer, parentId: ack1.messageId, rootId: first });
    const seen = await waitOnClock(h, clock, 'the card drawn again, or a second card', () => {
      const second = h.fake.sentMessages().find((m) => m.replyTo === more);
      const redrawn = h.fake
        .patches()
        .find((p) => p.messageId === ack1.messageId && text(p.content).includes('收到 2 张照片'));
      return second || redrawn ? { second, redrawn } : undefined;
    });
    // Before: a second card under the new photo, and two taps for what belongs together.
    expect(seen.second).toBeUndefined();
    const redrawn = seen.redrawn!;
    expect(text(redrawn.content)).not.toContain('你回复的那组材料');
    const choice = fileButtons(redrawn.content)[0]!;
    const filed = await tap({ ...choice.value, t: taskId }, ack1.messageId);
    expect(filed.toast.type).toBe('success');
    expect(text(filed.card!.data)).toContain('收到 2 张照片');
    const [item] = await queryRows<{ n: number; messages: string[] }>(
      h.db.db,
      sql`select count(*)::int as n, array_agg(m.message_id order by m.id) as messages
          from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
          join materials m on m.id = fim.material_id
          where fi.undone_at is null and fi.chat_id = ${chatId}
            and fi.burst_id = (select burst_id from materials where message_id = ${first})
          group by fi.id`,
    );
    expect(item).toEqual({ n: 2, messages: [first, more] });
    await h.settle();
    expect(h.fake.sentMessages().filter((m) => m.replyTo === more)).toHaveLength(0);
  });
});
