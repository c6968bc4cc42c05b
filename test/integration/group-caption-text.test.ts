import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { LATE_CAPTION_MS } from '../../src/domain/burst.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { nextCreateTime, postPhoto, postText, replyAfterQuiet, waitOnClock } from '../support/chat-photos.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * How a village group's texts are read (officers on phones). The help card says 「在群里先 @我」 and
 * 「在说明文字里写任务编号」, so 「@归档助手 #C05 村两委会议照片」 after photos is their caption, not a command
 * the bot did not understand; 缺什么 without the @ is answered; and chat near the photos (「好的」,
 * 「@张会计 你看下」, 「明天开会」) neither becomes their 题名 nor files them by a keyword.
 */
describe('texts in a village group', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_gt_');
  const clock = new ManualClock('2026-12-03T10:00:00+08:00');
  const zhang = { openId: 'ou_gt_zhang_kuaiji', name: '张会计' };

  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock, env: { STORED_REACTION: 'off' } });
    org = await seedOrg(h.db.db, { prefix: 'GT', clock });
    await bindVillageChat(h, org, chatId, [zhang]);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  /** A text from the officer, @-mentioning `to` first (the bot unless given); its message id. */
  const postMention = async (text: string, to?: { openId: string; name: string }) => {
    const who = to ?? { openId: h.fake.botOpenId, name: '归档助手' };
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId,
      senderOpenId: org.officer,
      content: { text: `@_user_1 ${text}` },
      mentions: [{ key: '@_user_1', ...who }],
      createTimeMs: nextCreateTime(h),
    });
    expect((await h.post(ev)).status).toBe(200);
    return ev.event.message.message_id;
  };
  const repliesTo = (messageId: string) => h.fake.sentMessages().filter((m) => m.replyTo === messageId);
  const textOf = (m: { content: unknown }) => (m.content as { text?: string }).text ?? '';
  const burstOf = async (photo: string) =>
    (
      await queryRows<{ caption: string | null }>(
        h.db.db,
        sql`select b.caption from bursts b join materials m on m.burst_id = b.id where m.message_id = ${photo}`,
      )
    )[0];
  const filingOf = async (photo: string) =>
    (
      await queryRows<{ task: string; title: string; via: string }>(
        h.db.db,
        sql`select t.code as task, fi.title, fi.via from filing_items fi join tasks t on t.id = fi.task_id
            join filing_item_materials fim on fim.item_id = fi.id join materials m on m.id = fim.material_id
            where m.message_id = ${photo} and fi.undone_at is null`,
      )
    )[0];
  /** Well past every quiet window: a hint held back for materials would be out by now. */
  const pastEveryWindow = async () => {
    await clock.advance(10_000);
    await h.settle();
  };

  it('「@归档助手 #C05 村两委会议照片」 after photos files them to C05, its words the 题名; no 「没有听懂」', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postPhoto(h, { chatId, sender: org.officer });
    const caption = await postMention('#C05 村两委会议照片');
    const reply = await replyAfterQuiet(h, clock, first);
    expect(JSON.stringify(reply.content)).toContain('已交到');
    expect(await filingOf(first)).toEqual({ task: 'C05', title: '村两委会议照片', via: 'code' });
    // The bot's own @ is no part of the caption.
    expect((await burstOf(first))?.caption).toBe('#C05 村两委会议照片');
    await pastEveryWindow();
    expect(repliesTo(caption)).toEqual([]);
  });

  it('the same written before the photos is their caption too', async () => {
    const caption = await postMention('会场照片 3号');
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const reply = await replyAfterQuiet(h, clock, first);
    // A description with a keyword (会场) puts C05 first; without a #code the officer chooses.
    expect(JSON.stringify(reply.content)).not.toContain('已交到');
    expect(cardButtons(reply.content).find((b) => b.value?.a === 'file')!.text).toContain('会议现场');
    expect((await burstOf(first))?.caption).toBe('会场照片 3号');
    await pastEveryWindow();
    expect(repliesTo(caption)).toEqual([]);
  });

  it('「@归档助手 #C08 培训照片」 a minute before the photos files them, and is never 「没有听懂」', async () => {
    // Long after the photos before, whose card nobody tapped (sooner, it would be their late caption).
    await clock.advance(LATE_CAPTION_MS + 60_000);
    const caption = await postMention('#C08 培训照片');
    await h.settle();
    // Past the hint's wait (the quiet window): a #code before photos is their caption for minutes.
    await clock.advance(60_000);
    await h.settle();
    expect(repliesTo(caption)).toEqual([]);
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const reply = await replyAfterQuiet(h, clock, first);
    expect(JSON.stringify(reply.content)).toContain('已交到');
    expect(await filingOf(first)).toMatchObject({ task: 'C08', title: '培训照片' });
    await pastEveryWindow();
    expect(repliesTo(caption)).toEqual([]);

    // No photos after it: kept unused, as the same text without the @ — not 「没有听懂」 either.
    await clock.advance(LATE_CAPTION_MS + 60_000);
    const unused = await postMention('#C08 宣传栏');
    await h.settle();
    await clock.advance(LATE_CAPTION_MS + 60_000);
    await h.settle();
    expect(repliesTo(unused)).toEqual([]);
  });

  it('「@归档助手 #C99 …」, a code the village has no task of, is told so and where the codes are, not 「没有听懂」', async () => {
    // Long after the photos before, whose card nobody tapped (sooner, it would be their late caption).
    await clock.advance(LATE_CAPTION_MS + 60_000);
    const asked = await postMention('#C99 培训照片');
    const [answer] = await waitOnClock(h, clock, 'the answer', () => {
      const r = repliesTo(asked);
      return r.length > 0 && r;
    });
    expect(textOf(answer!)).toBe(
      '城关村没有编号为 C99 的任务。发送「@归档助手 任务」查看编号；照片和文件照常发，我会请您选任务。',
    );
    await pastEveryWindow();
    expect(repliesTo(asked)).toHaveLength(1);
  });

  it('photos captioned 「#C99 …」 get the card with why nothing was filed at once: no task of that code', async () => {
    await clock.advance(LATE_CAPTION_MS + 60_000);
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postMention('#C99 会议照片');
    const reply = await replyAfterQuiet(h, clock, first);
    const card = JSON.stringify(reply.content);
    expect(card).not.toContain('已交到');
    expect(card).toContain('城关村没有编号为 C99 的任务，请点下面的任务交。');
    expect(await filingOf(first)).toBeUndefined();
  });

  it('a command written in the rich-text editor (a post) is answered as the same text is, in the group and directly', async () => {
    const rich = (text: string, chatType: 'group' | 'p2p', at: boolean) =>
      messageEvent({
        appId: h.fake.appId,
        chatId: chatType === 'group' ? chatId : id('oc_gt_p2p_'),
        chatType,
        senderOpenId: org.officer,
        msgType: 'post',
        content: {
          title: '',
          content: [
            [
              ...(at ? [{ tag: 'at', user_id: '@_user_1', user_name: '归档助手', style: [] }] : []),
              { tag: 'text', text: ` ${text}`, style: ['bold'] },
            ],
          ],
        },
        ...(at ? { mentions: [{ key: '@_user_1', openId: h.fake.botOpenId, name: '归档助手' }] } : {}),
        createTimeMs: nextCreateTime(h),
      });
    const answerTo = async (ev: ReturnType<typeof rich>) => {
      expect((await h.post(ev)).status).toBe(200);
      const asked = ev.event.message.message_id;
      const [answer] = await waitOnClock(h, clock, 'the answer', () => {
        const r = repliesTo(asked);
        return r.length > 0 && r;
      });
      return JSON.stringify(answer!.content);
    };
    // Before: no answer at all, nor the 「没有听懂」 hint: a post was never read for commands.
    expect(await answerTo(rich('缺什么', 'group', true))).toContain('还缺什么');
    expect(await answerTo(rich('缺什么', 'group', false))).toContain('还缺什么');
    expect(await answerTo(rich('进度', 'p2p', false))).toContain('城关村');
  });

  it('an @ text naming no command, with no photos around it, still gets 「没有听懂」 as sent in a group', async () => {
    // Long after the photos before, whose card nobody tapped (sooner, it would be their late caption).
    await clock.advance(LATE_CAPTION_MS + 60_000);
    const asked = await postMention('村委会议 3月');
    const [hint] = await waitOnClock(h, clock, 'the hint', () => {
      const r = repliesTo(asked);
      return r.length > 0 && r;
    });
    expect(textOf(hint!)).toBe('没有听懂“村委会议 3月”。发送「@归档助手 帮助」查看我能做什么。');
  });

  it('a cloud document’s address after the @ is answered once, how to send the file; not also 「没有听懂」', async () => {
    const asked = await postMention('3月会议记录 https://abc.feishu.cn/docx/Hs1bdAbcXyz');
    const [answer] = await waitOnClock(h, clock, 'the answer', () => {
      const r = repliesTo(asked);
      return r.length > 0 && r;
    });
    expect(textOf(answer!)).toContain('云文档链接我打不开，文档没有保存');
    await pastEveryWindow();
    expect(repliesTo(asked)).toHaveLength(1);
  });

  it.each(['缺什么', '进度？', '任务'])(
    '「%s」 without the @ is answered, and is never the caption of photos sent with it',
    async (word) => {
      const first = await postPhoto(h, { chatId, sender: org.officer });
      const asked = await postText(h, { chatId, sender: org.officer, text: word });
      const [answer] = await waitOnClock(h, clock, `the answer to ${word}`, () => {
        const r = repliesTo(asked);
        return r.length > 0 && r;
      });
      expect(JSON.stringify(answer!.content)).not.toContain('没有听懂');
      expect(answer!.msgType).toBe('interactive');
      await replyAfterQuiet(h, clock, first);
      expect((await burstOf(first))?.caption).toBeNull();
    },
  );

  it.each([
    ['an acknowledgement', async () => postText(h, { chatId, sender: org.officer, text: '好的👍' })],
    ['several', async () => postText(h, { chatId, sender: org.officer, text: '收到收到，谢谢！' })],
    ['a question to someone else', async () => postMention('你看下', zhang)],
    ['an acknowledgement to the bot', async () => postMention('好的')],
  ])('%s near the photos is no caption of theirs', async (_what, say) => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const text = await say();
    const reply = await replyAfterQuiet(h, clock, first);
    expect((await burstOf(first))?.caption).toBeNull();
    expect(JSON.stringify(reply.content)).not.toContain('已交到');
    await pastEveryWindow();
    expect(repliesTo(text)).toEqual([]);
  });

  it('「明天开会」 with photos is not filed to 会议现场 by its keyword: the card offers it first', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '明天开会' });
    const reply = await replyAfterQuiet(h, clock, first);
    expect(JSON.stringify(reply.content)).not.toContain('已交到');
    expect(await filingOf(first)).toBeUndefined();
    expect(
      cardButtons(reply.content).find((b) => b.value?.a === 'file')!.text,
      JSON.stringify(reply.content),
    ).toContain('会议现场');
  });

  it('「@张会计 #C05 会议照片」 after photos files them to C05: a task code is never chat, the @ no part of the 说明', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postMention('#C05 会议照片', zhang);
    const reply = await replyAfterQuiet(h, clock, first);
    expect(JSON.stringify(reply.content)).toContain('已交到');
    expect(await filingOf(first)).toEqual({ task: 'C05', title: '会议照片', via: 'code' });
    expect((await burstOf(first))?.caption).toBe('#C05 会议照片');
  });

  it('「@所有人 今天村两委会议」 after photos is their caption, without the @所有人', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId,
      senderOpenId: org.officer,
      content: { text: '@_all 今天村两委会议' },
      createTimeMs: nextCreateTime(h),
    });
    expect((await h.post(ev)).status).toBe(200);
    const reply = await replyAfterQuiet(h, clock, first);
    expect((await burstOf(first))?.caption).toBe('今天村两委会议');
    expect(JSON.stringify(reply.content)).toContain('今天村两委会议');
    expect(cardButtons(reply.content).find((b) => b.value?.a === 'file')!.text).toContain('会议');
  });

  it.each(['[C05]', '［C05］'])(
    '「%s」 after photos files them to C05: a bracketed code is no emoji',
    async (text) => {
      const first = await postPhoto(h, { chatId, sender: org.officer });
      await postText(h, { chatId, sender: org.officer, text });
      const reply = await replyAfterQuiet(h, clock, first);
      expect(JSON.stringify(reply.content)).toContain('已交到');
      expect((await filingOf(first))?.task).toBe('C05');
      expect((await burstOf(first))?.caption).toBe(text);
      // The code files it; it is no 题名 (it was 「[C05]」 in the catalogue): the task's own title.
      expect((await filingOf(first))?.title).not.toContain('C05');
    },
  );

  it('「[村委会议]」 after photos is their caption: only Lark’s own emoji words (「[赞]」) are dropped', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '[村委会议]' });
    await replyAfterQuiet(h, clock, first);
    expect((await burstOf(first))?.caption).toBe('[村委会议]');
  });

  it('「@归档助手 进度？」 after photos is answered with 进度, and is no caption of theirs', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const asked = await postMention('进度？');
    const [answer] = await waitOnClock(h, clock, 'the answer to 进度？', () => {
      const r = repliesTo(asked);
      return r.length > 0 && r;
    });
    expect(answer!.msgType).toBe('interactive');
    expect(JSON.stringify(answer!.content)).not.toContain('没有听懂');
    await replyAfterQuiet(h, clock, first);
    expect((await burstOf(first))?.caption).toBeNull();
    await pastEveryWindow();
    expect(repliesTo(asked)).toHaveLength(1);
  });
});
