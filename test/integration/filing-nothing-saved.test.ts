import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { cardButtons, cardMenus } from '../support/cards.js';
import { postPhoto, replyAfterQuiet, waitOnClock } from '../support/chat-photos.js';
import { tapCard } from '../support/chat-actions.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { materialsOf, replyText, smallPhoto, waitFor } from './capture-helpers.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

describe('a burst with nothing saved, and a rich-text post without pictures, in a bound chat', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'N' });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    const village = (await getUnitByCode(h.db.db, org.village))!;
    await bindChat({ db: h.db.db, clock }, { chatId, unitId: village.id, actorOpenId: org.officer });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const post = async (ev: ReturnType<typeof messageEvent>) => {
    expect((await h.post(ev)).status).toBe(200);
    return ev.event.message.message_id;
  };
  /** A message of a merged forward (its root, or a child under `upper`), as Lark gives it to the bot. */
  const addForwarded = (messageId: string, upper: string | undefined, msgType: string, content: object) =>
    h.fake.addMessage({
      message_id: messageId,
      chat_id: 'oc_source_chat',
      msg_type: msgType,
      create_time: String(clock.now().getTime() - 60_000),
      sender: { id: org.officer, id_type: 'open_id', sender_type: 'user' },
      body: { content: JSON.stringify(content) },
      ...(upper ? { upper_message_id: upper } : {}),
    });
  /** The merged forward `root` (its messages added to the fake beforehand) posted to the chat. */
  const postForward = (root: string) =>
    post(
      messageEvent({
        appId: h.fake.appId,
        chatId,
        messageId: root,
        senderOpenId: org.officer,
        msgType: 'merge_forward',
        content: { content: 'Merged and Forwarded Message' },
        createTimeMs: clock.now().getTime(),
      }),
    );
  const burstsOf = (firstMessageId: string) =>
    queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from bursts where first_message_id = ${firstMessageId}`,
    );

  it('an empty file alone: the reply says what to send again and offers no task to hand in nothing', async () => {
    const messageId = id('om_');
    h.fake.addResource({ messageId, fileKey: 'file_blank', bytes: Buffer.alloc(0), fileName: '签到表.xlsx' });
    await post(
      messageEvent({
        appId: h.fake.appId,
        chatId,
        messageId,
        senderOpenId: org.officer,
        msgType: 'file',
        content: { file_key: 'file_blank', file_name: '签到表.xlsx' },
        createTimeMs: clock.now().getTime(),
      }),
    );
    const reply = await replyAfterQuiet(h, clock, messageId);
    const text = replyText(reply);
    expect(text).toContain('以下文件是空的（0 字节），请检查后重新发送：签到表.xlsx');
    expect(text).toContain('材料没有保存成功');
    expect(text).not.toContain('点一下即可');
    // A task button here filed nothing: every tap answered 「这组材料还在保存中」, for good.
    expect(cardButtons(reply.content).filter((b) => b.value?.a?.startsWith('file'))).toEqual([]);
    expect(cardMenus(reply.content)).toEqual([]);
  });

  it('a rich-text post without pictures is text: no card of its own, and the caption of the photos after it', async () => {
    const postId = await post(
      messageEvent({
        appId: h.fake.appId,
        chatId,
        senderOpenId: org.officer,
        msgType: 'post',
        content: { zh_cn: { title: '现场', content: [[{ tag: 'text', text: '下午拍的' }]] } },
        createTimeMs: clock.now().getTime(),
      }),
    );
    const photoId = await postPhoto(h, { chatId, sender: org.officer });
    const reply = await replyAfterQuiet(h, clock, photoId);
    const text = replyText(reply);
    expect(text).toContain('收到 1 张照片');
    expect(text).toContain('说明：现场\n下午拍的');
    expect(await burstsOf(postId)).toEqual([]);
    expect(h.fake.sentMessages().filter((m) => m.replyTo === postId)).toEqual([]);

    // Alone, it gets no answer at all (a text does not either).
    const lonely = await post(
      messageEvent({
        appId: h.fake.appId,
        chatId,
        senderOpenId: org.officer,
        msgType: 'post',
        content: { title: '', content: [[{ tag: 'text', text: '明天上午开会' }]] },
        createTimeMs: clock.now().getTime(),
      }),
    );
    await h.settle();
    await clock.advance(5_000);
    await h.settle();
    expect(await burstsOf(lonely)).toEqual([]);
    expect(h.fake.sentMessages().filter((m) => m.replyTo === lonely)).toEqual([]);
    const [row] = await queryRows<{ text: string; disposition: string }>(
      h.db.db,
      sql`select text, disposition from messages where message_id = ${lonely}`,
    );
    expect(row).toEqual({ text: '明天上午开会', disposition: 'captured' });
  });

  it('a merged forward still being read when its burst closes is not 「没有保存成功」: its card offers tasks, and files once read', async () => {
    const root = id('om_');
    addForwarded(root, undefined, 'merge_forward', { content: 'Merged and Forwarded Message' });
    addForwarded(`${root}_c1`, root, 'image', { image_key: 'img_fwd_slow' });
    h.fake.addResource({ messageId: root, fileKey: 'img_fwd_slow', bytes: await smallPhoto() });
    // Lark does not give the forward's children yet: the expansion is retried later.
    h.fake.inject({
      method: 'GET',
      path: new RegExp(`/im/v1/messages/${root}$`),
      fault: { code: 230099, status: 400, msg: 'not now' },
    });
    await postForward(root);
    const reply = await replyAfterQuiet(h, clock, root);
    const text = replyText(reply);
    expect(text).not.toContain('没有保存成功');
    expect(text).not.toContain('没有收到可保存的材料');
    expect(text).toContain('合并转发');
    const fileButton = cardButtons(reply.content).find((b) => b.value?.a === 'file');
    expect(fileButton).toBeDefined();

    const tap = () =>
      tapCard(h, { operator: org.officer, value: fileButton!.value, chatId, messageId: reply.messageId });
    // A tap while it is still being read waits for it; it is not told to send it again.
    expect((await tap()).toast).toMatchObject({ content: '这组材料还在保存中，请稍后再试' });

    // Lark answers again: the forward is read and its photo stored; the card's button files it.
    h.fake.clearFaults();
    await waitOnClock(h, clock, 'the forwarded photo stored', async () => {
      const rows = await materialsOf(h.db.db, root);
      return rows.length > 0 && rows.every((m) => m.status === 'stored');
    });
    expect((await tap()).toast).toMatchObject({ type: 'success' });
  });

  it('a merged forward Lark never gives: once the reading is given up, the sender is told under it', async () => {
    const root = id('om_');
    addForwarded(root, undefined, 'merge_forward', { content: 'Merged and Forwarded Message' });
    addForwarded(`${root}_c1`, root, 'image', { image_key: 'img_fwd_never' });
    h.fake.addResource({ messageId: root, fileKey: 'img_fwd_never', bytes: await smallPhoto() });
    h.fake.inject({
      method: 'GET',
      path: new RegExp(`/im/v1/messages/${root}$`),
      fault: { code: 230099, status: 400, msg: 'not now' },
    });
    await postForward(root);
    const card = await replyAfterQuiet(h, clock, root);
    expect(replyText(card)).toContain('合并转发的消息还在读取中');
    // The expansion is retried with growing waits until its attempts are used up.
    const dead = async () =>
      (
        await queryRows<{ n: number }>(
          h.db.db,
          sql`select count(*)::int as n from jobs where kind = 'expand-forward' and status = 'dead'
                and payload->>'messageId' = ${root}`,
        )
      )[0]!.n === 1;
    for (let i = 0; i < 60 && !(await dead()); i++) {
      await clock.advance(60_000);
      await h.settle();
    }
    expect(await dead()).toBe(true);
    const notice = await waitFor('the notice under the forward', () =>
      h.fake.sentMessages().find((m) => m.replyTo === root && m.messageId !== card.messageId),
    );
    expect(replyText(notice)).toBe(
      '这条合并转发的消息没能读取，里面的照片和文件没有保存。请把原文件直接发过来，再选择交到哪项任务。',
    );
    expect(h.fake.sentMessages().filter((m) => m.replyTo === root)).toHaveLength(2);
    h.fake.clearFaults();
  });

  it('a merged forward without any file: the reply says what to send, not 「按上面的提示」 with nothing above', async () => {
    const root = id('om_');
    for (const [messageId, upper, msgType, content] of [
      [root, undefined, 'merge_forward', { content: 'Merged and Forwarded Message' }],
      [`${root}_t1`, root, 'text', { text: '明天上午九点开会' }],
    ] as const)
      addForwarded(messageId, upper, msgType, content);
    await postForward(root);
    const text = replyText(await replyAfterQuiet(h, clock, root));
    expect(text).toContain('没有收到可保存的材料');
    expect(text).not.toContain('按上面的提示');
    expect(text).toContain('要交材料，请直接发送照片或文件');
  });
});
