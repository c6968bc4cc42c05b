import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { repoRoot } from '../support/bot-process.js';
import { remindInProcess } from '../support/cli-in-process.js';
import { nextCreateTime, postPhoto } from '../support/chat-photos.js';
import { messageEvent } from '../support/events.js';
import { jpeg } from '../support/photos.js';
import { waitFor } from '../support/wait-for.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * Files an officer sends the bot in a direct chat are kept, and its card says to forward them to the work
 * group; a direct chat can file nothing. Nothing asked after them again, while the group's reminder went on
 * asking for the same photos. The reminder run a working day later asks the sender once, in the direct
 * chat, unless the same files have reached a work group since.
 */
describe('files sent to the bot in a direct chat, never forwarded to the work group', () => {
  let w: SchedulesWorld;
  const id = (p: string) => `${p}${randomBytes(8).toString('hex')}`;
  const text = (m: { content: unknown }) => JSON.stringify(m.content);

  beforeAll(async () => {
    // Friday 2026-11-27, 10:00.
    w = await schedulesWorld('DM', '2026-11-27T10:00:00+08:00');
    w.h.fake.addChat({
      chatId: w.chats.village1,
      name: '工作群',
      members: [{ openId: w.org.officer, name: '王村官' }],
    });
  });
  afterAll(() => w?.close());

  /** A photo from the officer in `chatId` (a direct chat): resolves with its bytes' seed once the card came. */
  const sendDirect = async (chatId: string, seed: number, sender = w.org.officer) => {
    const messageId = id('om_');
    const key = id('img_');
    w.h.fake.addResource({ messageId, fileKey: key, bytes: await jpeg(seed), contentType: 'image/jpeg' });
    const res = await w.h.post(
      messageEvent({
        appId: w.h.fake.appId,
        chatId,
        chatType: 'p2p',
        messageId,
        senderOpenId: sender,
        msgType: 'image',
        content: { image_key: key },
        createTimeMs: nextCreateTime(w.h),
      }),
    );
    expect(res.status).toBe(200);
    return messageId;
  };
  const cardUnder = (messageId: string) =>
    waitFor(
      'the card',
      () => {
        w.clock.advance(1_000);
        return w.h.fake.sentMessages().find((m) => m.replyTo === messageId);
      },
      { timeoutMs: 20_000, everyMs: 200 },
    );

  it('asks the sender once, a working day later, and not about files since sent to the work group', async () => {
    const dm = id('oc_dm_');
    const forwardedDm = id('oc_dm_');
    for (const seed of [11, 12]) await cardUnder(await sendDirect(dm, seed));
    // Another officer's photo, sent to the work group the same day: nothing to ask.
    const other = `ou_DM_${randomBytes(4).toString('hex')}`;
    await cardUnder(await sendDirect(forwardedDm, 13, other));
    await cardUnder(await postPhoto(w.h, { chatId: w.chats.village1, sender: other, seed: 13 }));

    // Saturday and Sunday are no working days; Monday 09:00 the photos have not waited a working day.
    await w.runAt('2026-11-30T09:00:00+08:00');
    expect(w.sentTo(dm)).toHaveLength(0);
    // The IT person's rehearsal shows it, to whom and what it says.
    const dry = await remindInProcess(
      ['--dry-run', '--at', '2026-12-01T09:00'],
      {
        DATA_DIR: w.h.config.dataDir,
        SCHEDULES_FILE: join(repoRoot, 'config/schedules.yaml'),
        HOLIDAYS_FILE: w.h.config.schedules.holidaysFile,
      },
      w.h.db,
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      `── 私聊材料提醒（私聊发来、还没发到工作群的材料） → chat_id ${dm}（2026-12-01）`,
    );
    expect(dry.stdout).not.toContain(forwardedDm);
    expect(dry.stdout).toContain('，1 条私聊材料提醒（演练，未发送）');
    // Tuesday 09:00: asked once, in the direct chat.
    await w.runAt('2026-12-01T09:00:00+08:00');
    const [asked, ...more] = w.sentTo(dm);
    expect(more).toHaveLength(0);
    expect(text(asked!)).toContain(
      '您11月27日私聊发给我的 2 张照片还没有发到工作群，所以还没交到任务里。' +
        '请把它们逐条转发（不要用「合并转发」）到本村（本单位）的工作群，再在群里选择交到哪项任务。',
    );
    expect(w.sentTo(forwardedDm)).toHaveLength(0);
    // Wednesday: not again.
    await w.runAt('2026-12-02T09:00:00+08:00');
    expect(w.sentTo(dm)).toHaveLength(1);
  });
});
