import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { nextCreateTime, replyAfterQuiet } from '../support/chat-photos.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { jpeg } from '../support/photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { materialsOf, repliesTo, replyText } from './capture-helpers.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

describe('photos sent to the bot in a direct chat', () => {
  let h: Harness;
  let org: SeededOrg;
  const clock = new ManualClock(awakeNow());
  const groupId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'D' });
    // The officer's village has its work group bound; the direct chat is never bound (绑定 is refused there).
    const village = (await getUnitByCode(h.db.db, org.village))!;
    await bindChat({ db: h.db.db, clock }, { chatId: groupId, unitId: village.id, actorOpenId: org.officer });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  /** A message from the officer in a direct chat of its own, through the webhook. */
  const postDirect = (
    messageId: string,
    msgType: string,
    content: Record<string, string>,
    chatId = id('oc_dm_'),
  ) =>
    h.post(
      messageEvent({
        appId: h.fake.appId,
        chatId,
        chatType: 'p2p',
        messageId,
        senderOpenId: org.officer,
        msgType,
        content,
        createTimeMs: nextCreateTime(h),
      }),
    );

  it('are kept, and the answer says how to hand them in, not that 「本群」 needs binding', async () => {
    const messageId = id('om_');
    const key = id('img_');
    const bytes = await jpeg(77);
    h.fake.addResource({ messageId, fileKey: key, bytes, contentType: 'image/jpeg' });
    const res = await postDirect(messageId, 'image', { image_key: key });
    expect(res.status).toBe(200);
    const reply = await replyAfterQuiet(h, clock, messageId);
    const [m] = await materialsOf(h.db.db, messageId);
    expect(m).toMatchObject({ status: 'stored' });
    const text = replyText(reply);
    expect(text).toContain('收到 1 张照片');
    // There is no 「群」 here, and 绑定 in a direct chat is refused: that advice was a dead end.
    expect(text).not.toContain('本群');
    expect(text).not.toContain('绑定');
    // One by one: a 合并转发 of several files may be one Lark does not let the bot download from.
    expect(text).toContain('逐条转发（不要用「合并转发」）到本村（本单位）的工作群');
  });

  it('sent to the work group afterwards, as the answer says: the group’s card does not call it a repeat', async () => {
    const bytes = await jpeg(91);
    const post = async (chatId: string, chatType: 'p2p' | 'group') => {
      const messageId = id('om_');
      const key = id('img_');
      h.fake.addResource({ messageId, fileKey: key, bytes, contentType: 'image/jpeg' });
      const ev = messageEvent({
        appId: h.fake.appId,
        chatId,
        chatType,
        messageId,
        senderOpenId: org.officer,
        msgType: 'image',
        content: { image_key: key },
        createTimeMs: nextCreateTime(h),
      });
      expect((await h.post(ev)).status).toBe(200);
      return replyText(await replyAfterQuiet(h, clock, messageId));
    };
    expect(await post(id('oc_dm_'), 'p2p')).toContain(
      '请把它们逐条转发（不要用「合并转发」）到本村（本单位）的工作群',
    );
    // Before: 「其中 1 个与之前收到的文件完全相同，只保存一份」 to an officer who did as told.
    const inGroup = await post(groupId, 'group');
    expect(inGroup).toContain('收到 1 张照片');
    expect(inGroup).not.toContain('完全相同');
    // Sent to the group a second time, it is a repeat there.
    expect(await post(groupId, 'group')).toContain('其中 1 个与之前收到的文件完全相同，只保存一份');
  });

  it('sent to the work group first, then to the bot directly: the same file, and not to be forwarded again', async () => {
    const post = async (chatId: string, chatType: 'p2p' | 'group', seeds: number[], sender = org.officer) => {
      const ids: string[] = [];
      for (const seed of seeds) {
        const messageId = id('om_');
        const key = id('img_');
        h.fake.addResource({ messageId, fileKey: key, bytes: await jpeg(seed), contentType: 'image/jpeg' });
        const ev = messageEvent({
          appId: h.fake.appId,
          chatId,
          chatType,
          messageId,
          senderOpenId: sender,
          msgType: 'image',
          content: { image_key: key },
          createTimeMs: nextCreateTime(h),
        });
        expect((await h.post(ev)).status).toBe(200);
        ids.push(messageId);
      }
      return replyText(await replyAfterQuiet(h, clock, ids[0]!));
    };
    expect(await post(groupId, 'group', [93])).not.toContain('完全相同');
    // The group's photo forwarded to the bot: before, 「请把它们转发到…工作群」 asked for a second copy there.
    const dm = id('oc_dm_');
    const again = await post(dm, 'p2p', [93]);
    expect(again).toContain('其中 1 个与之前收到的文件完全相同，只保存一份');
    expect(again).toContain('不用再转发到工作群');
    expect(again).not.toContain('请把它们转发');
    // With a photo not sent before: the repeat is named, and the new one is still to be forwarded.
    const mixed = await post(dm, 'p2p', [93, 94]);
    expect(mixed).toContain('其中 1 个与之前收到的文件完全相同');
    expect(mixed).toContain('请把它们逐条转发（不要用「合并转发」）到本村（本单位）的工作群');
    // Someone else's copy of the same photo is not theirs to have sent before.
    const other = await post(id('oc_dm_'), 'p2p', [93], org.archivist);
    expect(other).not.toContain('完全相同');
  });

  it('sent to the bot directly twice, never to a group: the answer still asks to forward it to the work group', async () => {
    const dm = id('oc_dm_');
    const post = async (seed: number) => {
      const messageId = id('om_');
      const key = id('img_');
      h.fake.addResource({ messageId, fileKey: key, bytes: await jpeg(seed), contentType: 'image/jpeg' });
      expect((await postDirect(messageId, 'image', { image_key: key }, dm)).status).toBe(200);
      return replyText(await replyAfterQuiet(h, clock, messageId));
    };
    expect(await post(95)).toContain('请把它们逐条转发（不要用「合并转发」）到本村（本单位）的工作群');
    // The same photo again in the direct chat: a repeat, but no work group holds it, so 「不用再转发」
    // would leave it handed in nowhere.
    const again = await post(95);
    expect(again).toContain('完全相同');
    expect(again).not.toContain('不用再转发到工作群');
    expect(again).toContain('请把它们逐条转发（不要用「合并转发」）到本村（本单位）的工作群');
  });

  it('an empty file sent there is answered with where to send it again, not with choosing a task', async () => {
    const messageId = id('om_');
    const key = id('file_');
    h.fake.addResource({ messageId, fileKey: key, bytes: Buffer.alloc(0), fileName: '签到表.xlsx' });
    await postDirect(messageId, 'file', { file_key: key, file_name: '签到表.xlsx' });
    const text = replyText(await replyAfterQuiet(h, clock, messageId));
    expect(text).toContain('材料没有保存成功');
    expect(text).toContain('以下文件是空的（0 字节），请检查后重新发送：签到表.xlsx');
    // A task cannot be chosen in a direct chat: 「保存好后再选择交到哪项任务」 was a detour.
    expect(text).not.toContain('保存好后再选择');
    expect(text).toContain('把材料重新发到本村（本单位）的工作群');
  });

  it('a photo still downloading when the answer goes out is not called saved', async () => {
    const messageId = id('om_');
    const key = id('img_');
    h.fake.addResource({ messageId, fileKey: key, bytes: await jpeg(78), contentType: 'image/jpeg' });
    // Lark answers 503 until the faults are cleared: the download is still retrying at the reply.
    h.fake.inject({ path: new RegExp(`/messages/${messageId}/resources/`), fault: { status: 503 } });
    await postDirect(messageId, 'image', { image_key: key });
    const text = replyText(await replyAfterQuiet(h, clock, messageId));
    h.fake.clearFaults();
    expect((await materialsOf(h.db.db, messageId))[0]).toMatchObject({ status: 'pending' });
    expect(text).toContain('材料正在保存');
    expect(text).not.toContain('材料已保存');
  });

  /** The caption kept with the burst that `messageId` opened. */
  const captionOfBurst = async (messageId: string) =>
    (
      await queryRows<{ caption: string | null }>(
        h.db.db,
        sql`select caption from bursts where first_message_id = ${messageId}`,
      )
    )[0]?.caption;

  /** A photo and its caption in one direct chat, in the given order; the photo's message id. */
  const photoWithCaption = async (text: string, captionFirst: boolean) => {
    const chatId = id('oc_dm_');
    const photo = id('om_');
    const caption = id('om_');
    const key = id('img_');
    h.fake.addResource({ messageId: photo, fileKey: key, bytes: await jpeg(79), contentType: 'image/jpeg' });
    const sendPhoto = () => postDirect(photo, 'image', { image_key: key }, chatId);
    const sendCaption = () => postDirect(caption, 'text', { text }, chatId);
    if (captionFirst) await sendCaption();
    await sendPhoto();
    if (!captionFirst) await sendCaption();
    return { photo, caption };
  };

  it.each([
    ['after the photo (a forward with a note)', false],
    ['before the photo', true],
  ])(
    'a caption sent %s is the photo’s caption, not a command the bot did not understand',
    async (_when, captionFirst) => {
      const { photo, caption } = await photoWithCaption('村委会议 3月', captionFirst);
      const reply = await replyAfterQuiet(h, clock, photo);
      expect(replyText(reply)).toContain('收到 1 张照片');
      // Well past the caption's own quiet window: a hint held back for materials would be out by now.
      await clock.advance(30_000);
      await h.settle();
      expect(repliesTo(h.fake, caption).map(replyText)).toEqual([]);
      expect(await captionOfBurst(photo)).toBe('村委会议 3月');
    },
  );

  it('a text naming no command, with nothing sent with it, is still answered with the hint', async () => {
    const messageId = id('om_');
    await postDirect(messageId, 'text', { text: '村委会议 3月' });
    const text = replyText(await replyAfterQuiet(h, clock, messageId));
    expect(text).toContain('没有听懂“村委会议 3月”');
    expect(text).toContain('发送「帮助」');
    expect(text).not.toContain('是要发');
  });

  it('a mistyped command is answered with the one it most likely meant', async () => {
    const messageId = id('om_');
    await postDirect(messageId, 'text', { text: '未規档' });
    expect(replyText(await replyAfterQuiet(h, clock, messageId))).toBe(
      '没有听懂“未規档”。是要发「未归档」吗？发送「帮助」查看我能做什么。',
    );
  });

  it('a cloud document’s address sent alone is answered with how to hand the document in', async () => {
    const messageId = id('om_');
    await postDirect(messageId, 'text', { text: 'https://abc.feishu.cn/docx/Hs1bdAbcXyz 3月会议记录' });
    const text = replyText(await replyAfterQuiet(h, clock, messageId));
    expect(text).toContain('云文档链接我打不开，文档没有保存');
    expect(text).toContain('「下载为」');
  });

  it('a contact or a location sent directly is answered (not kept); a sticker is not', async () => {
    const contact = id('om_');
    const place = id('om_');
    const sticker = id('om_');
    await postDirect(contact, 'share_user', { user_id: 'ou_someone' });
    await postDirect(place, 'location', { name: '村委会', longitude: '116.1', latitude: '39.9' });
    await postDirect(sticker, 'sticker', { file_key: 'v2_sticker' });
    for (const m of [contact, place])
      expect(replyText(await replyAfterQuiet(h, clock, m))).toBe(
        '这类消息我保存不了。要交材料，请直接发照片、文件、语音或视频。',
      );
    await clock.advance(30_000);
    await h.settle();
    expect(repliesTo(h.fake, sticker)).toEqual([]);
  });
});
