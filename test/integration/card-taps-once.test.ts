import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { buttonValue, cardButtons } from '../support/cards.js';
import { cardActionEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { jpeg } from '../support/photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
type Answer = { toast: { type: string; content: string }; card?: { data: unknown } };

/** Card taps are taken once and only where they were drawn (issue 12, point 4). */
describe('card taps: once, and in the chat and card they came from', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatA = id('oc_a_');
  const chatB = id('oc_b_');
  const memberB = id('ou_b_');
  beforeAll(async () => {
    h = await startHarness();
    org = await seedOrg(h.db.db, { prefix: 'K' });
    h.fake.addChat({
      chatId: chatA,
      name: '城关村工作群',
      members: [{ openId: org.officer, name: '王村官' }],
    });
    h.fake.addChat({ chatId: chatB, name: '河口村工作群', members: [{ openId: memberB, name: '河口村干' }] });
    const bind = async (chatId: string, code: string) =>
      bindChat(
        { db: h.db.db, clock: h.bot.deps.clock },
        { chatId, unitId: (await getUnitByCode(h.db.db, code))!.id, actorOpenId: 'cli' },
      );
    await bind(chatA, org.village);
    await bind(chatB, `K12`);
  });
  afterAll(() => h.close());

  const post = async (event: ReturnType<typeof cardActionEvent>): Promise<Answer> => {
    const res = await h.post(event);
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };
  const tap = (
    operator: string,
    value: Record<string, unknown>,
    where: { chatId: string; messageId: string },
  ) => cardActionEvent({ appId: h.fake.appId, operatorOpenId: operator, value, ...where });
  /** A photo posted in chat A by its officer; the filing card the bot answered with. */
  const photoInA = async (caption: string) => {
    const messageId = id('om_');
    const key = id('img_');
    h.fake.addResource({ messageId, fileKey: key, bytes: await jpeg(Math.floor(Math.random() * 1e6)) });
    await h.post(
      messageEvent({
        appId: h.fake.appId,
        chatId: chatA,
        messageId,
        senderOpenId: org.officer,
        msgType: 'image',
        content: { image_key: key },
      }),
    );
    await h.post(
      messageEvent({
        appId: h.fake.appId,
        chatId: chatA,
        senderOpenId: org.officer,
        content: { text: caption },
      }),
    );
    const card = await waitFor('the filing card', () =>
      h.fake.sentMessages().find((m) => m.replyTo === messageId && m.msgType === 'interactive'),
    );
    return { messageId, card };
  };
  const liveFilings = async (messageId: string) =>
    queryRows<{ task: string }>(
      h.db.db,
      sql`select t.code as task from filing_items fi join tasks t on t.id = fi.task_id
          join filing_item_materials fim on fim.item_id = fi.id join materials m on m.id = fim.material_id
          where m.message_id = ${messageId} and fi.undone_at is null`,
    );

  it('a replayed 「归档」 after 撤销 files nothing; the fresh card files again', async () => {
    const { messageId, card } = await photoInA('会议照片');
    const where = { chatId: chatA, messageId: card.messageId };
    const fileTap = tap(org.officer, buttonValue(card.content, 'file'), where);
    const filed = await post(fileTap);
    expect(filed.toast.type).toBe('success');
    const undo = await post(tap(org.officer, buttonValue(filed.card!.data, 'undo'), where));
    const sure = cardButtons(undo.card!.data).find((b) => b.value.a === 'undo' && b.value.sure === 1)!;
    const undone = await post(tap(org.officer, sure.value, where));
    expect(undone.toast.type).toBe('success');
    expect(await liveFilings(messageId)).toEqual([]);

    // The captured callback again (Lark's callback identity is the same): nothing happens.
    const replay = await post(fileTap);
    expect(replay.toast).toEqual({ type: 'info', content: '这个操作已经处理过了' });
    // A new tap on the old card's button (drawn before the filing; a copy 未归档 sent again): nothing
    // filed, and that copy is drawn as the burst is now, its tasks to choose again (not left stale).
    const oldButton = await post(tap(org.officer, buttonValue(card.content, 'file'), where));
    expect(oldButton.toast).toEqual({ type: 'info', content: '这张卡片已更新，请重新选择' });
    expect(await liveFilings(messageId)).toEqual([]);
    expect(buttonValue(oldButton.card!.data, 'file')).toMatchObject({ r: 1 });

    // The card 撤销 left behind files again.
    const again = await post(tap(org.officer, buttonValue(undone.card!.data, 'file'), where));
    expect(again.toast.type).toBe('success');
    expect(await liveFilings(messageId)).toHaveLength(1);
  });

  it("a value naming another chat's burst is refused in chat B, revealing nothing of chat A", async () => {
    const { messageId, card } = await photoInA('张三家危房照片 机密说明');
    const fileA = buttonValue(card.content, 'file');
    const [taskOfB] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select t.id::int as id from tasks t join units u on u.id = t.unit_id where u.code = 'K12' and t.code = 'C05'`,
    );
    const elsewhere = { chatId: chatB, messageId: id('om_b_') };
    for (const value of [
      { ...fileA, t: taskOfB!.id },
      { a: 'reopen', b: fileA.b },
      { a: 'skip', b: fileA.b },
      // 撤销 naming an item that is not (or no longer) filed: not 「这条提交已经撤销了」 from here.
      { a: 'undo', b: fileA.b, i: 999_999 },
    ]) {
      const answer = await post(tap(memberB, value, elsewhere));
      expect(answer.toast).toEqual({
        type: 'error',
        content:
          '这个按钮在这里用不了。材料不用重发：到材料所在的群里发送「@归档助手 未归档」，从列表里选任务。',
      });
      expect(answer.card).toBeUndefined();
      expect(JSON.stringify(answer)).not.toContain('张三');
    }
    // In chat A, but from another message than the burst's card: refused too.
    const otherCard = await post(tap(org.officer, fileA, { chatId: chatA, messageId: id('om_x_') }));
    expect(otherCard.toast.type).toBe('error');
    expect(await liveFilings(messageId)).toEqual([]);
    // From its own card it works.
    const own = await post(tap(org.officer, fileA, { chatId: chatA, messageId: card.messageId }));
    expect(own.toast.type).toBe('success');
  });
});
