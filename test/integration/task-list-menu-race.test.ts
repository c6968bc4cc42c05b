import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardMenus } from '../support/cards.js';
import { tapCard } from '../support/chat-actions.js';
import { postText } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * 任务's list is recorded (bot_messages `task_list`) so that its menu is taken in its own chat only. It
 * was recorded once Lark had answered the send: a tap that reached the bot before that (an officer
 * quick on a phone, a slow answer) was told 「这个按钮已失效」 on a list just sent.
 */
describe('a tap on 任务’s menu while the list is still being sent', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_list_');
  const clock = new ManualClock('2026-12-03T10:00:00+08:00');

  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock, env: { STORED_REACTION: 'off' } });
    org = await seedOrg(h.db.db, { prefix: 'TM', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  it('is taken before Lark has answered the send; another chat’s tap is still refused', async () => {
    const taps: { own: any; elsewhere: any; listId: string }[] = [];
    // The list's send: Lark has made the message, and the officer taps on it before the answer is back.
    h.fake.use(async (req, res, body) => {
      if (req.method !== 'POST' || !/\/reply$/.test(req.url ?? '') || !body.includes('task-pick'))
        return false;
      const json = JSON.parse(body.toString('utf8'));
      const item = h.fake.state.recordSent(
        { chatId, msgType: json.msg_type, content: JSON.parse(json.content), uuid: json.uuid },
        json.content,
      );
      const menu = cardMenus(JSON.parse(json.content))[0]!;
      const option = menu.options[0]!.value;
      const tap = { operator: org.officer, value: menu.value, messageId: item.message_id, option };
      const elsewhere = await tapCard(h, { ...tap, chatId: id('oc_') });
      const own = await tapCard(h, { ...tap, chatId });
      taps.push({ own, elsewhere, listId: item.message_id });
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ code: 0, msg: 'success', data: item }));
      return true;
    });
    await postText(h, { chatId, sender: org.officer, text: '任务' });
    const [tap] = await waitFor('the taps during the send', () => (taps.length > 0 ? taps : undefined));
    expect(tap!.elsewhere.toast).toMatchObject({ type: 'error', content: '这个按钮已失效' });
    expect(tap!.own.toast).toMatchObject({ type: 'success' });
    expect(tap!.own.toast.content).toMatch(/^已发出 #C\d+ 的任务卡片/);
    const taskCard = await waitFor('the task card under the list', () =>
      h.fake.sentMessages().find((m) => m.replyTo === tap!.listId),
    );
    expect(JSON.stringify(taskCard.content)).toContain('回复本卡片');
    // Once Lark answered, the list is recorded under its message id, as any of the bot's messages.
    await waitFor(
      'the list under its message id',
      async () =>
        (
          await queryRows(
            h.db.db,
            sql`select 1 from bot_messages where message_id = ${tap!.listId} and purpose = 'task_list'`,
          )
        ).length > 0,
    );
    expect(
      await queryRows(h.db.db, sql`select 1 from bot_messages where message_id like 'unsent:%'`),
    ).toEqual([]);
  });
});
