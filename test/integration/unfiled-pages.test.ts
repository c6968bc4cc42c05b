import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { commandEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

/**
 * An officer behind on filing: more waits than one card lists (10 lines fit a phone's screen). The
 * 未归档 card says how many there are in all and how many it did not list, and 下一页 walks through
 * every one of them; none is left out however many there are (the list stopped at 200, and said
 * 「还有 200 组」 to an officer with 205).
 */
describe('未归档 with more than one card holds', () => {
  let h: Harness;
  let org: SeededOrg;
  const clock = new ManualClock(awakeNow());
  const chatId = 'oc_unfiled_pages';
  const N = 205;
  let bursts: number[];
  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'UP' });
    await bindVillageChat(h, org, chatId);
    // 205 answered photos, a minute apart over the last hours (as capture leaves them: closed, answered).
    const t0 = new Date(clock.now().getTime() - 6 * 3600_000).toISOString();
    const rows = await queryRows<{ id: number }>(
      h.db.db,
      sql`insert into bursts (chat_id, sender_open_id, first_message_id, first_at, last_at, closes_at, status,
            created_at, ack_claimed_at, ack_message_id)
          select ${chatId}, ${org.officer}, 'om_up_photo_' || g, t, t, t, 'closed', t, t, 'om_up_card_' || g
          from generate_series(1, ${N}) g, lateral (select ${t0}::timestamptz + g * interval '1 minute' as t) x
          returning id::int as id`,
    );
    bursts = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    await queryRows(
      h.db.db,
      sql`insert into materials (message_id, resource_key, resource_type, chat_id, sender_open_id, sent_at, kind,
            original_name, status, burst_id, created_at)
          select b.first_message_id, 'img_' || b.id, 'image', b.chat_id, b.sender_open_id, b.first_at, 'photo',
            'IMG.jpg', 'stored', b.id, b.first_at
          from bursts b where b.chat_id = ${chatId} returning id`,
    );
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const text = (c: unknown) => JSON.stringify(c);
  const listed = (c: unknown) =>
    cardButtons(c)
      .filter((b) => b.value?.a === 'card-again')
      .map((b) => Number(b.value.b));
  const pageButton = (c: unknown, label: string) => cardButtons(c).find((b) => b.text === label)?.value;
  const tap = async (value: unknown, messageId: string) => {
    const r = await tapCard(h, { operator: org.officer, value: value as any, chatId, messageId });
    expect(r.card?.type).toBe('raw');
    return r.card.data as unknown;
  };

  it('says how many wait in all and how many it did not list; 下一页 walks through every one, 回到第一页 back', async () => {
    const list = await sayToBot(h, { chatId, sender: org.officer, text: '未归档' });
    // Before: 「本群还有 200 组」 and 「只列出最早的 10 组」, the 5 beyond 200 in no count at all.
    expect(text(list.content)).toContain(`本群还有 **${N}** 组材料没交到任务里`);
    expect(text(list.content)).toContain(`还有 ${N - 10} 组没列出，点「下一页」查看`);
    expect(listed(list.content)).toEqual(bursts.slice(0, 10));
    expect(pageButton(list.content, '回到第一页')).toBeUndefined();

    const seen = [...listed(list.content)];
    let card: unknown = list.content;
    let pages = 1;
    for (let next = pageButton(card, '下一页'); next; next = pageButton(card, '下一页')) {
      card = await tap(next, list.messageId);
      pages++;
      const shown = listed(card);
      expect(text(card)).toContain(`这是第 ${seen.length + 1}–${seen.length + shown.length} 组`);
      seen.push(...shown);
      expect(pageButton(card, '回到第一页')).toBeDefined();
      if (pages > 30) throw new Error('下一页 does not end');
    }
    expect(pages).toBe(21);
    expect(seen).toEqual(bursts);
    // The last page says nothing is left unlisted.
    expect(text(card)).not.toContain('没列出');
    expect(text(card)).toContain(`本群还有 **${N}** 组材料没交到任务里`);

    const first = await tap(pageButton(card, '回到第一页'), list.messageId);
    expect(listed(first)).toEqual(bursts.slice(0, 10));
    expect(text(first)).toContain(`还有 ${N - 10} 组没列出`);
  });

  it('a page drawn after some were filed counts what waits now', async () => {
    // The first five set aside (不用交) from their own cards.
    for (const b of bursts.slice(0, 5)) {
      const [row] = await queryRows<{ ack: string }>(
        h.db.db,
        sql`select ack_message_id as ack from bursts where id = ${b}`,
      );
      const r = await tapCard(h, {
        operator: org.officer,
        value: { a: 'skip', b },
        chatId,
        messageId: row!.ack,
      });
      expect(r.toast).toEqual({ type: 'info', content: '已标记为不用交' });
    }
    const list = await sayToBot(h, { chatId, sender: org.officer, text: '未归档' });
    expect(text(list.content)).toContain(`本群还有 **${N - 5}** 组材料没交到任务里`);
    expect(listed(list.content)).toEqual(bursts.slice(5, 15));
    const second = await tap(pageButton(list.content, '下一页'), list.messageId);
    expect(listed(second)).toEqual(bursts.slice(15, 25));
    expect(text(second)).toContain(`还有 ${N - 5 - 20} 组没列出`);
  });

  it('in a direct message the officer pages through their own, 下一页 drawn from the same direct chat', async () => {
    const dm = `oc_p2p_${org.officer}`;
    const cmd = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId: dm,
      chatType: 'p2p',
      senderOpenId: org.officer,
      text: '未归档',
    });
    expect((await h.post(cmd)).status).toBe(200);
    const list = await waitFor('the 未归档 answer', () =>
      h.fake.sentMessages().find((m) => m.replyTo === cmd.event.message.message_id),
    );
    expect(text(list.content)).toContain(`您发的材料中，还有 **${N - 5}** 组材料没交到任务里`);
    const next = pageButton(list.content, '下一页');
    const r = await tapCard(h, { operator: org.officer, value: next, chatId: dm, messageId: list.messageId });
    expect(listed(r.card.data)).toEqual(bursts.slice(15, 25));
    expect(text(r.card.data)).toContain('这是第 11–20 组');
  });
});
