import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { STILL_WORKING } from '../../src/usecases/card-actions.js';
import { buttonValue } from '../support/cards.js';
import { cardActionEvent } from '../support/events.js';
import { bindVillageChat, joinVillageChat } from '../support/bound-chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postPhoto } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

describe('card callbacks answer within 3 s, always', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  beforeAll(async () => {
    // The SDK's own timeout must outlast the fake's 5-second delay.
    h = await startHarness({ env: { LARK_HTTP_TIMEOUT_MS: '15000' } });
    org = await seedOrg(h.db.db, { prefix: 'D' });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());

  it('a slow member lookup: the click is answered 处理中, then the burst is filed once and the card updated', async () => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer, seed: 777 });
    const filingCard = await waitFor('the filing card', () =>
      h.fake.sentMessages().find((m) => m.replyTo === messageId && m.msgType === 'interactive'),
    );
    // Someone new in the chat clicks before the bot has read its member list; Lark answers that
    // member lookup only after 5 seconds.
    const newcomer = joinVillageChat(h, org, chatId, id('ou_new_'));
    h.fake.inject({
      method: 'GET',
      path: `/open-apis/im/v1/chats/${chatId}/members`,
      times: 1,
      fault: { delayMs: 5000 },
    });
    const value = buttonValue(filingCard.content, 'file');
    const res = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: newcomer,
        value,
        chatId,
        messageId: filingCard.messageId,
      }),
    );
    expect(res.status).toBe(200);
    // The deadline was hit: the answer is 「处理中」, not the outcome.
    expect(((await res.json()) as { toast: { content: string } }).toast.content).toBe(STILL_WORKING);

    const patched = await waitFor(
      'the card updated with the outcome',
      () => h.fake.patches().find((p) => p.messageId === filingCard.messageId),
      { timeoutMs: 20_000 },
    );
    expect(JSON.stringify(patched.content)).toContain('已交到');
    await h.settle();
    const items = await queryRows<{ filed_by: string }>(
      h.db.db,
      sql`select fi.filed_by from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
          join materials m on m.id = fim.material_id where m.message_id = ${messageId}`,
    );
    expect(items).toEqual([{ filed_by: newcomer }]);
    const [job] = await queryRows<{ status: string }>(
      h.db.db,
      sql`select status from jobs where kind = 'card-action'`,
    );
    expect(job?.status).toBe('done');
    expect(h.bot.metrics.value('card_actions_deferred_total', {})).toBe(1);
  });

  it('Lark failing for a moment (a 500 on the member lookup): 处理中, not 操作失败; the click runs again and files', async () => {
    // A group bound just now: the bot has not read its member list yet, so the tap looks it up.
    const chat = id('oc_');
    await bindVillageChat(h, org, chat);
    const messageId = await postPhoto(h, { chatId: chat, sender: org.officer, seed: 778 });
    const filingCard = await waitFor('the filing card', () =>
      h.fake.sentMessages().find((m) => m.replyTo === messageId && m.msgType === 'interactive'),
    );
    const joined = id('ou_joined_');
    h.fake.addChat({
      chatId: chat,
      name: '城关村工作群',
      members: [
        { openId: org.officer, name: '王村官' },
        { openId: joined, name: '刚进群的村干' },
      ],
    });
    h.fake.inject({
      method: 'GET',
      path: `/open-apis/im/v1/chats/${chat}/members`,
      times: 1,
      fault: { status: 500 },
    });
    const res = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: joined,
        value: buttonValue(filingCard.content, 'file'),
        chatId: chat,
        messageId: filingCard.messageId,
      }),
    );
    expect(res.status).toBe(200);
    const answer = ((await res.json()) as { toast: { content: string } }).toast.content;
    expect(answer).not.toContain('操作失败');
    expect(answer).toBe(STILL_WORKING);
    const patched = await waitFor(
      'the card updated with the outcome',
      () => h.fake.patches().find((p) => p.messageId === filingCard.messageId),
      { timeoutMs: 20_000 },
    );
    expect(JSON.stringify(patched.content)).toContain('已交到');
    const items = await queryRows<{ filed_by: string }>(
      h.db.db,
      sql`select fi.filed_by from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
          join materials m on m.id = fim.material_id where m.message_id = ${messageId}`,
    );
    expect(items).toEqual([{ filed_by: joined }]);
    expect(h.bot.metrics.value('card_actions_waiting_total', {})).toBe(1);
    // Nothing was said in the chat about a failure.
    expect(h.fake.sentMessages().filter((m) => JSON.stringify(m.content).includes('操作失败'))).toEqual([]);
  });
});
