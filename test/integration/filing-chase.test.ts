import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { STILL_WORKING } from '../../src/usecases/card-actions.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { buttonValue, cardButtons } from '../support/cards.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { postPhoto as postChatPhoto } from '../support/chat-photos.js';
import { messageEvent } from '../support/events.js';
import { jpeg } from '../support/photos.js';
import { waitFor } from '../support/wait-for.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * Chasing what nobody filed (issue 14): a burst unfiled for a working day is named in the chat's
 * next reminder with its card sent again; 未归档 lists them on demand; a card about to pass Lark's
 * 14-day limit for taps is sent again; the cards sent again file like the first one.
 */
describe('unfiled bursts are chased until they are filed or set aside', () => {
  let w: SchedulesWorld;
  let scheduler: Scheduler;
  const id = (p: string) => `${p}${randomBytes(8).toString('hex')}`;
  const text = (m: { content: unknown }) => JSON.stringify(m.content);

  beforeAll(async () => {
    // Monday 2026-11-23; every task is due far away, so reminders carry the chase alone.
    w = await schedulesWorld('CH', '2026-11-23T10:00:00+08:00');
    for (const chatId of [w.chats.village1, w.chats.village2])
      w.h.fake.addChat({ chatId, name: '工作群', members: [{ openId: w.org.officer, name: '王村官' }] });
    scheduler = schedulerFor(w.h.bot.deps, w.settings, {
      wakeJobs: () => w.h.bot.jobWorker.wake(),
      hasJobHandler: () => true,
      instance: 'test-chase',
    });
  });
  afterAll(() => w?.close());

  /** A photo from the officer; resolves with its message id once its filing card came back. */
  /** The burst's filing card under `messageId`, once the quiet window passes on the manual clock. */
  const filingCardUnder = (messageId: string) =>
    waitFor(
      'the filing card',
      () => {
        w.clock.advance(1_000);
        return w.h.fake.sentMessages().find((m) => m.replyTo === messageId);
      },
      { timeoutMs: 20_000, everyMs: 200 },
    );
  const postPhoto = async (chatId: string) => {
    const messageId = await postChatPhoto(w.h, { chatId, sender: w.org.officer });
    await filingCardUnder(messageId);
    return messageId;
  };
  const cardsUnder = (messageId: string) => w.h.fake.sentMessages().filter((m) => m.replyTo === messageId);
  const tap = (chatId: string, messageId: string, value: Record<string, unknown>, operator = w.org.officer) =>
    tapCard(w.h, { operator, value, chatId, messageId });
  const ask = (chatId: string, chatType: 'group' | 'p2p' = 'group', words = '未归档') =>
    sayToBot(w.h, {
      chatId,
      chatType,
      sender: w.org.officer,
      text: words,
      createTimeMs: w.clock.now().getTime(),
    });
  const liveItems = (chatId: string) =>
    queryRows<{ n: number }>(
      w.h.db.db,
      sql`select count(*)::int as n from filing_items where chat_id = ${chatId} and undone_at is null`,
    );

  let photo: string;

  it('未归档 lists the chat’s unfiled bursts, each with 选任务 (sends the card again under the photo)', async () => {
    photo = await postPhoto(w.chats.village1);
    const list = await ask(w.chats.village1);
    expect(text(list)).toContain('本群还有 **1** 组材料没交到任务里');
    expect(text(list)).toContain('王村官');
    expect(text(list)).toContain('1张照片');
    expect((list.content as any).config.summary.content).toBe('还有 1 组材料没交到任务里');
    // 「未交」 still asks for this list (the 进度 card calls tasks with nothing in them 「一件没交」).
    expect(text(await ask(w.chats.village1, 'group', '未交'))).toContain('本群还有 **1** 组材料没交到任务里');
    const again = await tap(w.chats.village1, list.messageId, buttonValue(list.content, 'card-again'));
    expect(again.toast).toMatchObject({ type: 'success', content: '已在原消息下面发出选择卡片' });
    await waitFor('the card again', () => (cardsUnder(photo).length === 2 ? true : undefined));
    expect(text(cardsUnder(photo)[1]!)).toContain('还没交到任务里，请选一下');
  });

  it('the next reminder after one working day names it and sends its card again; that card files it', async () => {
    // Tuesday 09:00: the burst (Monday 10:00) has not waited a working day yet.
    await w.runAt('2026-11-24T09:00:00+08:00', scheduler);
    expect(w.sentTo(w.chats.village1)).toHaveLength(0);
    // Wednesday 09:00: it has.
    await w.runAt('2026-11-25T09:00:00+08:00', scheduler);
    const [reminder] = w.sentTo(w.chats.village1);
    // Every one of them sent again: 「…，选择卡片已重新发」, not 「…，的选择卡片」.
    expect(text(reminder!)).toContain('还有 1 组材料没交到任务里，选择卡片已重新发在原消息下面');
    expect(text(reminder!)).toContain('选择卡片已重新发在原消息下面');
    // Anyone who may file them may clear what needs no filing (a colleague's chat picture, too).
    expect(text(reminder!)).toContain('不用交的点「不用交」');
    // Only the waiting materials, no task listed: no 「回复这条消息…归到上面的任务」 pointing at nothing.
    expect(text(reminder!)).not.toContain('以下材料还没交齐');
    expect(text(reminder!)).not.toContain('归到上面的任务');
    expect(cardButtons(reminder!.content).map((b) => b.text)).toContain('查看全部');
    await waitFor('the card again', () => (cardsUnder(photo).length === 3 ? true : undefined));
    const fresh = cardsUnder(photo)[2]!;
    // The card sent again works: a tap on it files the burst.
    const file = cardButtons(fresh.content).find((b) => b.value?.a === 'file')!;
    const res = await tap(w.chats.village1, fresh.messageId, file.value);
    expect(res.toast?.type).toBe('success');
    expect(await liveItems(w.chats.village1)).toEqual([{ n: 1 }]);
    // Filed: nothing left to chase.
    const list = await ask(w.chats.village1);
    expect(text(list)).toContain('都已交到任务里了');
    await w.runAt('2026-11-26T09:00:00+08:00', scheduler);
    expect(w.sentTo(w.chats.village1)).toHaveLength(1);
  });

  it('不用交 on an older copy of a card filed meanwhile sets nothing aside: the copy shows the filing', async () => {
    const [first] = cardsUnder(photo);
    const res = await tap(w.chats.village1, first!.messageId, buttonValue(first!.content, 'skip'));
    expect(res.toast).toMatchObject({ type: 'info' });
    expect(res.toast.content).toMatch(/^这组材料已经交到「.+」，如要改动请先撤销$/);
    // The copy now says where it went (with 撤销), not 「已标记为不用交」 beside a live filing.
    expect(JSON.stringify(res.card.data)).toContain('已交到');
    expect(buttonValue(res.card.data, 'undo')).toMatchObject({ b: buttonValue(first!.content, 'skip').b });
    const [asides] = await queryRows<{ n: number }>(
      w.h.db.db,
      sql`select count(*)::int as n from audit_log where action = 'set_aside'
          and burst_id = ${buttonValue(first!.content, 'skip').b}`,
    );
    expect(asides).toEqual({ n: 0 });
    expect(await liveItems(w.chats.village1)).toEqual([{ n: 1 }]);
  });

  it('重新选择任务 on a set-aside copy of a card filed meanwhile shows the filing, not tasks to choose again', async () => {
    const sent = await postPhoto(w.chats.village1);
    const first = cardsUnder(sent)[0]!;
    const burst = buttonValue(first.content, 'skip').b;
    // A second copy (选任务 on the 未归档 list), then 不用交 on the first, then filed on the second.
    const list = await ask(w.chats.village1);
    await tap(w.chats.village1, list.messageId, buttonValue(list.content, 'card-again'));
    const second = await waitFor('the card again', () => cardsUnder(sent)[1]);
    await tap(w.chats.village1, first.messageId, buttonValue(first.content, 'skip'));
    const file = cardButtons(second.content).find((b) => b.value?.a === 'file')!;
    expect((await tap(w.chats.village1, second.messageId, file.value)).toast?.type).toBe('success');
    const res = await tap(w.chats.village1, first.messageId, { a: 'reopen', b: burst });
    expect(res.toast.content).toMatch(/^这组材料已经交到「.+」，如要改动请先撤销$/);
    expect(JSON.stringify(res.card.data)).toContain('已交到');
    expect(cardButtons(res.card.data).filter((b) => b.value?.a === 'file')).toEqual([]);
    const [reopened] = await queryRows<{ n: number }>(
      w.h.db.db,
      sql`select count(*)::int as n from audit_log where action = 'reopen' and burst_id = ${burst}`,
    );
    expect(reopened).toEqual({ n: 0 });
    // Undo it again, so the tests below start from the same chat as before.
    const undo = buttonValue(res.card.data, 'undo');
    await tap(w.chats.village1, first.messageId, { ...undo, sure: 1 });
    await tap(w.chats.village1, first.messageId, buttonValue(first.content, 'skip'));
  });

  it('不用交 on an older copy a day after the filing points to 申请更正, the only button left, not to 撤销', async () => {
    const sent = await postPhoto(w.chats.village1);
    const first = cardsUnder(sent)[0]!;
    const list = await ask(w.chats.village1);
    await tap(w.chats.village1, list.messageId, buttonValue(list.content, 'card-again'));
    const second = await waitFor('the card again', () => cardsUnder(sent)[1]);
    const file = cardButtons(second.content).find((b) => b.value?.a === 'file')!;
    expect((await tap(w.chats.village1, second.messageId, file.value)).toast?.type).toBe('success');
    await w.clock.advance(25 * 3_600_000); // 撤销 is offered for 24 hours
    const res = await tap(w.chats.village1, first.messageId, buttonValue(first.content, 'skip'));
    expect(res.toast.content).toMatch(/^这组材料已经交到「.+」，如要改动请点「申请更正」$/);
    const buttons = cardButtons(res.card.data).map((b) => b.text);
    expect(buttons).toContain('申请更正');
    expect(buttons).not.toContain('撤销');
    // The same answer for 重新选择任务 on that copy.
    const reopen = await tap(w.chats.village1, first.messageId, {
      a: 'reopen',
      b: buttonValue(first.content, 'skip').b,
    });
    expect(reopen.toast.content).toContain('如要改动请点「申请更正」');
    expect(await liveItems(w.chats.village1)).toEqual([{ n: 2 }]);
  });

  it('不用交 stops the chase; 重新选择任务 starts it again', async () => {
    const skipped = await postPhoto(w.chats.village1);
    const card = cardsUnder(skipped)[0]!;
    await tap(w.chats.village1, card.messageId, buttonValue(card.content, 'skip'));
    expect(text(await ask(w.chats.village1))).toContain('都已交到任务里了');
    const reopen = await tap(w.chats.village1, card.messageId, {
      a: 'reopen',
      b: buttonValue(card.content, 'skip').b,
    });
    expect(reopen.card).toBeDefined();
    expect(text(await ask(w.chats.village1))).toContain('本群还有 **1** 组材料没交到任务里');
  });

  it('in a direct message, 未归档 lists the asker’s own bursts across chats', async () => {
    const dm = await ask(`oc_p2p_${w.org.officer}`, 'p2p');
    expect(text(dm)).toContain('您发的材料中，还有 **1** 组材料没交到任务里');
  });

  it('a caption with markdown characters reaches the card as Lark’s HTML entities (王_二*3<4>&)', async () => {
    const messageId = id('om_');
    const key = id('img_');
    w.h.fake.addResource({ messageId, fileKey: key, bytes: await jpeg(Math.floor(Math.random() * 1e6)) });
    const at = w.clock.now().getTime();
    const send = (ev: object) => w.h.post(ev).then((r) => expect(r.status).toBe(200));
    await send(
      messageEvent({
        appId: w.h.fake.appId,
        chatId: w.chats.village2,
        messageId,
        senderOpenId: w.org.officer,
        msgType: 'image',
        content: { image_key: key },
        createTimeMs: at,
      }),
    );
    await send(
      messageEvent({
        appId: w.h.fake.appId,
        chatId: w.chats.village2,
        senderOpenId: w.org.officer,
        content: { text: '王_二*3<4>&' },
        createTimeMs: at + 500,
      }),
    );
    const card = await filingCardUnder(messageId);
    expect(text(card)).toContain('说明：王&#95;二&#42;3&lt;4&gt;&amp;');
    expect(text(card)).not.toContain('\\\\_');
    // Set aside, so it does not count in the next test's chase.
    await tap(w.chats.village2, card.messageId, buttonValue(card.content, 'skip'));
  });

  it('a card about to pass Lark’s 14 days is sent again, and only once', async () => {
    const old = await postPhoto(w.chats.village2);
    w.clock.advance(12 * 86_400_000);
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    expect(cardsUnder(old)).toHaveLength(1);
    w.clock.advance(86_400_000 + 3_600_000); // 13 days and an hour after the card
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    await waitFor('the card again', () => (cardsUnder(old).length === 2 ? true : undefined));
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    expect(cardsUnder(old)).toHaveLength(2);
    const fresh = cardsUnder(old)[1]!;
    expect(text(fresh)).toContain('还没交到任务里');
    const file = cardButtons(fresh.content).find((b) => b.value?.a === 'file')!;
    expect((await tap(w.chats.village2, fresh.messageId, file.value)).toast?.type).toBe('success');
    expect(await liveItems(w.chats.village2)).toEqual([{ n: 1 }]);
  });

  it('a card due again during the quiet hours (20:00–08:00) waits for their end', async () => {
    // Thursday 19:30: sent in the evening, its 13 days run out at 19:30, and the hourly check finds
    // it at 20:30, inside the quiet hours.
    await w.clock.set('2026-12-10T19:30:00+08:00');
    const late = await postPhoto(w.chats.village2);
    await w.clock.set('2026-12-23T20:30:00+08:00');
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    await w.clock.set('2026-12-24T03:00:00+08:00');
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    expect(cardsUnder(late)).toHaveLength(1);
    await w.clock.set('2026-12-24T08:00:30+08:00');
    await w.h.settle();
    const again = await waitFor('the card again in the morning', () => cardsUnder(late)[1]);
    expect(text(again)).toContain('还没交到任务里');
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    expect(cardsUnder(late)).toHaveLength(2);
  });

  it('选任务 whose answer from Lark is lost is run again by its job without a second card', async () => {
    const sent = await postPhoto(w.chats.village1);
    const burst = buttonValue(cardsUnder(sent)[0]!.content, 'skip').b;
    const list = await ask(w.chats.village1);
    const again = cardButtons(list.content).find((b) => b.value?.a === 'card-again' && b.value?.b === burst)!;
    // Lark posts the card but its answer is lost, for the tap and for the job's first run.
    w.h.fake.inject({
      method: 'POST',
      path: `/open-apis/im/v1/messages/${sent}/reply`,
      fault: { dropResponse: true },
      times: 2,
    });
    const res = await tap(w.chats.village1, list.messageId, again.value);
    expect(res.toast).toMatchObject({ type: 'info', content: STILL_WORKING });
    const job = () =>
      queryRows<{ attempts: number; status: string }>(
        w.h.db.db,
        sql`select attempts, status from jobs where kind = 'card-action' order by id desc limit 1`,
      ).then(([j]) => j);
    await waitFor('the job tried once', job, (j) => j?.status === 'pending' && j.attempts === 1);
    // Its retry comes later (a later time: the old uuid held the time of the run).
    await w.clock.advance(10 * 60_000);
    w.h.bot.jobWorker.wake();
    await waitFor('the job done', job, (j) => j?.status === 'done');
    await w.h.settle();
    expect(cardsUnder(sent)).toHaveLength(2);
    w.h.fake.clearFaults();
  });

  it('未归档 names a voice note and a video as such, not as 「2个文件」', async () => {
    const chatId = w.chats.village2;
    const voice = id('om_');
    const video = id('om_');
    const opus = readFileSync(new URL('../fixtures/audio/lark-voice-note.opus', import.meta.url));
    w.h.fake.addResource({ messageId: voice, fileKey: 'au_chase', bytes: opus });
    const mp4 = Buffer.concat([Buffer.from('000000186674797069736f6d', 'hex'), Buffer.alloc(500, 7)]);
    w.h.fake.addResource({ messageId: video, fileKey: 'v_chase', bytes: mp4 });
    w.h.fake.addResource({ messageId: video, fileKey: 'img_v_chase', bytes: await jpeg(4242) });
    const at = w.clock.now().getTime();
    for (const [messageId, msgType, content, t] of [
      [voice, 'audio', { file_key: 'au_chase', duration: 3000 }, at],
      [video, 'media', { file_key: 'v_chase', image_key: 'img_v_chase', file_name: 'VID_0001.mp4' }, at + 1],
    ] as const) {
      const res = await w.h.post(
        messageEvent({
          appId: w.h.fake.appId,
          chatId,
          messageId,
          senderOpenId: w.org.officer,
          msgType,
          content,
          createTimeMs: t,
        }),
      );
      expect(res.status).toBe(200);
    }
    const card = await filingCardUnder(voice);
    expect(text(card)).toContain('收到 1 段语音、1 个视频');
    await w.h.settle(); // the card's message id recorded
    // The list uses the card's words: the officer knows the recording by them.
    const list = text(await ask(chatId));
    expect(list).toContain('王村官 · 1段语音、1个视频');
    expect(list).not.toContain('个文件');
  });

  it('a split burst’s parts still waiting after 13 days get their parts card again: one card, not one each', async () => {
    await w.clock.set('2027-01-11T10:00:00+08:00');
    const chatId = w.chats.village1;
    const photos: string[] = [];
    for (let i = 0; i < 3; i++) photos.push(await postChatPhoto(w.h, { chatId, sender: w.org.officer }));
    const card = await filingCardUnder(photos[0]!);
    await w.h.settle();
    const split = await tap(chatId, card.messageId, buttonValue(card.content, 'split'));
    expect(split.toast?.type).toBe('success');
    const partIds = (data: unknown) => [
      ...new Set(
        cardButtons(data)
          .filter((b) => b.value?.a === 'skip')
          .map((b) => Number(b.value.b)),
      ),
    ];
    const fileButton = (data: unknown, part: number) =>
      cardButtons(data).find((b) => b.value?.a === 'file' && Number(b.value.b) === part)!;
    const parts = partIds(split.card.data);
    expect(parts).toHaveLength(3);
    // The first part filed; the other two wait.
    expect(
      (await tap(chatId, card.messageId, fileButton(split.card.data, parts[0]!).value)).toast?.type,
    ).toBe('success');
    const cardsUnderPhotos = () =>
      w.h.fake.sentMessages().filter((m) => photos.includes(m.replyTo ?? '') && m.msgType === 'interactive');
    expect(cardsUnderPhotos()).toHaveLength(1);

    // 13 days and an hour after the parts card. Before: a filing card under each waiting photo.
    await w.clock.set('2027-01-24T11:00:00+08:00');
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    const again = await waitFor('the parts card again', () => cardsUnderPhotos()[1]);
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    expect(cardsUnderPhotos()).toHaveLength(2);
    expect(text(again)).toContain('材料已分开，请分别选择任务');
    expect(partIds(again.content)).toHaveLength(2); // the filed part has 撤销 or nothing, no 不用交
    expect(text(again).match(/✅ 已交到/g)).toHaveLength(1);
    // Its buttons file each part, and the answer is the parts card again.
    const res = await tap(chatId, again.messageId, fileButton(again.content, parts[1]!).value);
    expect(res.toast?.type).toBe('success');
    expect(JSON.stringify(res.card.data).match(/✅ 已交到/g)).toHaveLength(2);
    expect(partIds(res.card.data)).toEqual([parts[2]]);
    // Still waiting, the last part is not chased again before its new card is 13 days old.
    await w.clock.advance(3_600_000);
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    expect(cardsUnderPhotos()).toHaveLength(2);
    // 不用交 on it sets the last part aside: nothing of the burst is chased any more.
    await tap(chatId, again.messageId, { a: 'skip', b: parts[2] });
    const [left] = await queryRows<{ n: number }>(
      w.h.db.db,
      sql`select count(*)::int as n from audit_log where action = 'set_aside' and burst_id = ${parts[2]!}`,
    );
    expect(left).toEqual({ n: 1 });
  });

  it('a split burst’s parts waiting a working day: the reminder sends their parts card again, once', async () => {
    // Monday 2027-01-25 10:00: three photos, split on their card, none filed.
    await w.clock.set('2027-01-25T10:00:00+08:00');
    const chatId = w.chats.village2;
    const photos: string[] = [];
    for (let i = 0; i < 3; i++) photos.push(await postChatPhoto(w.h, { chatId, sender: w.org.officer }));
    const card = await filingCardUnder(photos[0]!);
    await w.h.settle();
    expect((await tap(chatId, card.messageId, buttonValue(card.content, 'split'))).toast?.type).toBe(
      'success',
    );
    const cardsUnderPhotos = () =>
      w.h.fake.sentMessages().filter((m) => photos.includes(m.replyTo ?? '') && m.msgType === 'interactive');
    // Wednesday 09:00: the reminder names the three; before, each got a card of its own.
    await w.runAt('2027-01-27T09:00:00+08:00', scheduler);
    const again = await waitFor('the parts card again', () => cardsUnderPhotos()[1]);
    await w.h.settle();
    expect(cardsUnderPhotos()).toHaveLength(2);
    expect(text(again)).toContain('材料已分开，请分别选择任务');
    const [reminder] = w.sentTo(chatId).slice(-1);
    // Two bursts left waiting here by the tests before, and the split one: its three parts are one 组 with
    // one parts card, as 未归档 lists them (before: 「还有 5 组」).
    expect(text(reminder!)).toContain(
      '📥 还有 3 组材料没交到任务里，选择卡片已重新发在原消息下面，点一下就能交',
    );
    // Anyone who may file them may clear what needs no filing (a colleague's chat picture, too).
    expect(text(reminder!)).toContain('不用交的点「不用交」');
  });
});
