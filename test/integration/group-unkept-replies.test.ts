import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageEvent } from '../support/events.js';
import { postText } from '../support/chat-photos.js';
import { waitFor } from '../support/wait-for.js';
import { repliesTo, replyText } from './capture-helpers.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * What the bot says, in a bound group, under a message it cannot keep: a cloud document's address
 * posted without @ is answered once with how to send the document as a file (it was answered only when
 * @-sent, as an unknown command); a card of the bot's own (a reminder, the weekly digest) forwarded
 * back into the group by a leader is not answered 「卡片消息我保存不了…请截图」, another app's card is.
 */
describe('a bound group: cloud document links and forwarded cards', () => {
  let w: SchedulesWorld;

  beforeAll(async () => {
    // Monday 2026-11-23, before the reminders; C03 of the first village is due tomorrow.
    w = await schedulesWorld('GU', '2026-11-23T07:00:00+08:00');
    await w.setDue(w.org.village, 'C03', '2026-11-24');
  });
  afterAll(() => w?.close());

  /** A card message as Lark delivers one received (forwarded) in a chat: its title and its text. */
  const forwardCard = async (chatId: string, sender: string, title: string) => {
    const ev = messageEvent({
      appId: w.h.fake.appId,
      chatId,
      senderOpenId: sender,
      msgType: 'interactive',
      content: { title, elements: [[{ tag: 'text', text: '请升级至最新版本客户端，以查看内容' }]] },
      createTimeMs: w.clock.now().getTime(),
    });
    expect((await w.h.post(ev)).status).toBe(200);
    return ev.event.message.message_id;
  };

  it('a cloud document’s address posted without @ is answered once with how to send it as a file', async () => {
    const link = await postText(w.h, {
      chatId: w.chats.village1,
      sender: w.org.officer,
      text: '3月会议记录 https://abc.feishu.cn/docx/Hs1bdAbcXyz',
    });
    const reply = await waitFor('the answer under the link', () => repliesTo(w.h.fake, link).at(0));
    expect(replyText(reply)).toContain('云文档链接我打不开，文档没有保存');
    expect(replyText(reply)).toContain('「下载为」Word、Excel 或 PDF，再把下载的文件发到群里');
    // Lark redelivers it: still one answer. A plain text is not answered.
    const plain = await postText(w.h, { chatId: w.chats.village1, sender: w.org.officer, text: '收到' });
    w.clock.advance(60_000);
    await w.h.settle();
    expect(repliesTo(w.h.fake, link)).toHaveLength(1);
    expect(repliesTo(w.h.fake, plain)).toHaveLength(0);
  });

  it('the bot’s own reminder forwarded back by a leader is not answered; another app’s card is', async () => {
    await w.runAt('2026-11-23T09:00:00+08:00');
    const sent = w.sentTo(w.chats.village1).filter((m) => m.msgType === 'interactive');
    const titles = sent.map((m) => (m.content as any).header.title.content as string);
    expect(titles.some((t) => t.includes('交材料提醒'))).toBe(true);
    const own = [];
    for (const title of titles) own.push(await forwardCard(w.chats.village1, w.org.leader, title));
    const other = await forwardCard(w.chats.village1, w.org.leader, '审批通过：低保申请');
    const notice = await waitFor('the answer to the other card', () => repliesTo(w.h.fake, other).at(0));
    expect(replyText(notice)).toContain('卡片消息我保存不了');
    await w.h.settle();
    for (const id of own) expect(repliesTo(w.h.fake, id)).toEqual([]);
  });
});
