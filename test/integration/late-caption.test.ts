import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { LATE_CAPTION_MS } from '../../src/domain/burst.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { tapCard } from '../support/chat-actions.js';
import { nextCreateTime, postPhoto, postText, replyAfterQuiet, waitOnClock } from '../support/chat-photos.js';
import { messageEvent, recallEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { jpeg } from '../support/photos.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * On a slow village connection the caption typed right after the photos arrives after their quiet
 * window (2 s in tests), when the card already went out. While nobody has tapped the card it is still
 * their caption: a #code files them, plain words become the 说明 the card shows and the 题名 a tap files.
 */
describe('a caption that arrives after the card', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_late_');
  const clock = new ManualClock('2026-12-03T10:00:00+08:00');

  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock, env: { STORED_REACTION: 'off' } });
    org = await seedOrg(h.db.db, { prefix: 'LC', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const postToBot = async (text: string) => {
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId,
      senderOpenId: org.officer,
      content: { text: `@_user_1 ${text}` },
      mentions: [{ key: '@_user_1', openId: h.fake.botOpenId, name: '归档助手' }],
      createTimeMs: nextCreateTime(h),
    });
    expect((await h.post(ev)).status).toBe(200);
    return ev.event.message.message_id;
  };
  const burstOf = async (photo: string) =>
    (
      await queryRows<{ caption: string | null; title: string | null; task: string | null }>(
        h.db.db,
        sql`select b.caption, fi.title, t.code as task from bursts b
            join materials m on m.burst_id = b.id
            left join filing_items fi on fi.burst_id = b.id and fi.undone_at is null
            left join tasks t on t.id = fi.task_id
            where m.message_id = ${photo}`,
      )
    )[0]!;
  /** Taps the card's first task, as the officer. */
  const tapFirstTask = async (card: { content: unknown; messageId: string }) =>
    (
      (await tapCard(h, {
        operator: org.officer,
        value: cardButtons(card.content).find((b) => b.value?.a === 'file')!.value,
        chatId,
        messageId: card.messageId,
      })) as { toast: { type: string } }
    ).toast.type;
  const patchesOf = (messageId: string) => h.fake.patches().filter((p) => p.messageId === messageId);

  it('「@归档助手 #C05 村两委会议照片」 30 s after the photos files them; the card turns into the filed card', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postPhoto(h, { chatId, sender: org.officer });
    const card = await replyAfterQuiet(h, clock, first);
    expect(JSON.stringify(card.content)).not.toContain('已交到');
    await clock.advance(30_000);
    const caption = await postToBot('#C05 村两委会议照片');
    // A #code written well after the photos waits out the minutes in which photos sent after it would
    // read it as theirs (none come here): then it is this card's.
    await h.settle();
    await clock.advance(LATE_CAPTION_MS);
    await waitOnClock(h, clock, 'the late filing', async () => (await burstOf(first)).task === 'C05');
    expect(await burstOf(first)).toEqual({
      caption: '#C05 村两委会议照片',
      title: '村两委会议照片',
      task: 'C05',
    });
    const patched = await waitOnClock(h, clock, 'the card drawn again', () =>
      patchesOf(card.messageId).at(-1),
    );
    expect(JSON.stringify(patched.content)).toContain('已交到');
    // Well past the text's own quiet window: it is a caption, not a command the bot did not understand.
    await clock.advance(10_000);
    await h.settle();
    expect(h.fake.sentMessages().filter((m) => m.replyTo === caption)).toEqual([]);
  });

  it('plain words a minute later become the 说明 on the card, and the 题名 the tap files', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const card = await replyAfterQuiet(h, clock, first);
    await clock.advance(60_000);
    await postText(h, { chatId, sender: org.officer, text: '村委会门口公示栏' });
    const patched = await waitOnClock(h, clock, 'the card drawn again', () =>
      patchesOf(card.messageId).at(-1),
    );
    expect(JSON.stringify(patched.content)).toContain('说明：村委会门口公示栏');
    expect((await burstOf(first)).caption).toBe('村委会门口公示栏');
    expect(await tapFirstTask(card)).toBe('success');
    expect((await burstOf(first)).title).toBe('村委会门口公示栏');
    // The next photos, sent at once, do not take it too: it was the burst before's caption.
    const next = await postPhoto(h, { chatId, sender: org.officer });
    await replyAfterQuiet(h, clock, next);
    expect((await burstOf(next)).caption).toBeNull();
  });

  it('photos already captioned take a later #code, not later chat', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '村部会议室' });
    const card = await replyAfterQuiet(h, clock, first);
    expect((await burstOf(first)).caption).toBe('村部会议室');
    await clock.advance(60_000);
    // Chat a minute later: not their 说明 nor 题名 (「村部会议室\n明天上午开会」).
    await postText(h, { chatId, sender: org.officer, text: '明天上午开会' });
    await clock.advance(60_000);
    await h.settle();
    expect((await burstOf(first)).caption).toBe('村部会议室');
    // A code says where they go: taken (once no photos after it took it), and it files them.
    await postText(h, { chatId, sender: org.officer, text: '#C05' });
    await h.settle();
    await clock.advance(LATE_CAPTION_MS);
    await waitOnClock(
      h,
      clock,
      'filed by the late code',
      async () => (await burstOf(first)).task ?? undefined,
    );
    expect(await burstOf(first)).toEqual({ caption: '村部会议室\n#C05', title: '村部会议室', task: 'C05' });
    // The card is drawn again after the filing's transaction: waited for, not read at once.
    await waitOnClock(h, clock, 'the card drawn again', () => patchesOf(card.messageId).at(-1));
  });

  it('a late caption recalled (撤回) leaves the caption again', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await replyAfterQuiet(h, clock, first);
    await clock.advance(40_000);
    const text = await postText(h, { chatId, sender: org.officer, text: '张三家门口' });
    await waitOnClock(
      h,
      clock,
      'the late caption',
      async () => (await burstOf(first)).caption === '张三家门口',
    );
    const res = await h.post(
      recallEvent({ appId: h.fake.appId, messageId: text, chatId, recallTimeMs: clock.now().getTime() }),
    );
    expect(res.status).toBe(200);
    await h.settle();
    expect((await burstOf(first)).caption).toBeNull();
  });

  it('a #code typed after the card, then photos a slow connection sends a minute later: theirs, not the card’s before', async () => {
    const earlier = await postPhoto(h, { chatId, sender: org.officer });
    const card = await replyAfterQuiet(h, clock, earlier);
    await clock.advance(30_000);
    await postText(h, { chatId, sender: org.officer, text: '#C08 村民大会' });
    await h.settle();
    // Well past the text's quiet window, the photos it captions not here yet: the card before keeps waiting.
    await clock.advance(60_000);
    await h.settle();
    expect(await burstOf(earlier)).toEqual({ caption: null, title: null, task: null });
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    const reply = await replyAfterQuiet(h, clock, photo);
    expect(JSON.stringify(reply.content)).toContain('已交到');
    expect(await burstOf(photo)).toEqual({ caption: '#C08 村民大会', title: '村民大会', task: 'C08' });
    // Past every window: the card before is as it was, for its own tap.
    await clock.advance(LATE_CAPTION_MS);
    await h.settle();
    expect(await burstOf(earlier)).toEqual({ caption: null, title: null, task: null });
    expect(patchesOf(card.messageId)).toEqual([]);
  });

  it('a #code typed after the card, then photos with a #code of their own: each card files by its own', async () => {
    const earlier = await postPhoto(h, { chatId, sender: org.officer });
    await replyAfterQuiet(h, clock, earlier);
    await clock.advance(60_000);
    await postText(h, { chatId, sender: org.officer, text: '#C05 村两委会议照片' });
    await h.settle();
    await clock.advance(120_000);
    // The next photos name their own task: they do not read the #C05 before them.
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '#C08 村民大会' });
    const reply = await replyAfterQuiet(h, clock, photo);
    expect(JSON.stringify(reply.content)).toContain('已交到');
    expect(await burstOf(photo)).toEqual({ caption: '#C08 村民大会', title: '村民大会', task: 'C08' });
    // Once the minutes in which photos could read it are over, the #C05 is the card's before (it was
    // taken by neither, and nobody was told).
    await clock.advance(LATE_CAPTION_MS);
    await waitOnClock(
      h,
      clock,
      'the earlier card filed',
      async () => (await burstOf(earlier)).task === 'C05',
    );
    expect(await burstOf(earlier)).toEqual({
      caption: '#C05 村两委会议照片',
      title: '村两委会议照片',
      task: 'C05',
    });
  });

  it('a #code sent as a reply to the card is its caption at once, not after the minutes for photos to come', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const card = await replyAfterQuiet(h, clock, first);
    await clock.advance(60_000);
    await postText(h, { chatId, sender: org.officer, text: '#C05 村两委会议照片', parentId: card.messageId });
    await h.settle();
    // Past its own quiet window only (well within the minutes a #code typed on its own waits).
    await clock.advance(30_000);
    await h.settle();
    await waitFor('the card filed', async () => (await burstOf(first)).task === 'C05');
    expect(card.messageId).toBeTruthy();
  });

  it('a #code reply to a card already tapped (「错了，应该是 #C05」) is answered with where the files are and how to move them; the filing stays', async () => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    const card = await replyAfterQuiet(h, clock, photo);
    const codes = await queryRows<{ id: number; code: string }>(
      h.db.db,
      sql`select id::int as id, code from tasks`,
    );
    const c04 = cardButtons(card.content).find(
      (b) => b.value?.a === 'file' && codes.some((t) => t.id === Number(b.value?.t) && t.code === 'C04'),
    )!;
    await tapCard(h, { operator: org.officer, value: c04.value, chatId, messageId: card.messageId });
    expect((await burstOf(photo)).task).toBe('C04');
    const patches = patchesOf(card.messageId).length;
    await clock.advance(60_000);
    const reply = await postText(h, {
      chatId,
      sender: org.officer,
      text: '错了，应该是 #C05',
      parentId: card.messageId,
    });
    const answer = await waitOnClock(h, clock, 'the answer under the reply', () =>
      h.fake.sentMessages().find((m) => m.replyTo === reply),
    );
    const text = (answer.content as { text: string }).text;
    expect(text).toContain('已交到「C04');
    expect(text).toContain('没有改动');
    expect(text).toMatch(/要改到 C05：.*前点卡片上的「撤销」，再点 C05 那一项/);
    // Never moved by the reply, nor the card drawn again.
    await clock.advance(LATE_CAPTION_MS);
    await h.settle();
    expect((await burstOf(photo)).task).toBe('C04');
    expect(patchesOf(card.messageId)).toHaveLength(patches);
    expect(h.fake.sentMessages().filter((m) => m.replyTo === reply)).toHaveLength(1);
  });

  it('a #code reply to an untapped card files it however long after the photos, and the card shows it filed', async () => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    const card = await replyAfterQuiet(h, clock, photo);
    await clock.advance(10 * 60_000);
    await h.settle();
    expect(LATE_CAPTION_MS).toBeLessThan(10 * 60_000);
    await postText(h, { chatId, sender: org.officer, text: '#C05', parentId: card.messageId });
    await waitOnClock(h, clock, 'the card filed', async () => (await burstOf(photo)).task === 'C05');
    const patched = await waitOnClock(h, clock, 'the card drawn again', () =>
      patchesOf(card.messageId).at(-1),
    );
    expect(JSON.stringify(patched.content)).toContain('已交到');
  });

  it('one album on a slow connection (each photo past the quiet window after the last) is filed whole by the #code after it', async () => {
    // Clear of the cards the tests before left untapped.
    await clock.advance(LATE_CAPTION_MS + 60_000);
    await h.settle();
    const photos: string[] = [];
    const cards: { messageId: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const photo = await postPhoto(h, { chatId, sender: org.officer });
      photos.push(photo);
      // The caption typed right after the last photo.
      if (i === 3) await postText(h, { chatId, sender: org.officer, text: '#C05 村民代表大会' });
      // Quiet window 2 s: each photo closes a burst of its own and gets a card.
      cards.push(await replyAfterQuiet(h, clock, photo));
      await clock.advance(1_000);
    }
    expect(new Set(cards.map((c) => c.messageId)).size).toBe(4);
    await waitOnClock(h, clock, 'all four filed', async () => {
      for (const p of photos) if ((await burstOf(p)).task !== 'C05') return false;
      return true;
    });
    for (const p of photos) expect((await burstOf(p)).title).toBe('村民代表大会');
    // No card left asking for a task: the three earlier cards are drawn again as filed.
    for (const card of cards.slice(0, 3)) {
      const patched = await waitOnClock(h, clock, 'the card drawn again', () =>
        patchesOf(card.messageId).find((p) => JSON.stringify(p.content).includes('已交到')),
      );
      expect(cardButtons(patched.content).some((b) => b.value?.a === 'file')).toBe(false);
    }
  });

  it('a #code files only the untapped caption-less cards just before it: not one with a caption of its own, nor those before it', async () => {
    await clock.advance(LATE_CAPTION_MS + 60_000);
    await h.settle();
    const older = await postPhoto(h, { chatId, sender: org.officer });
    await replyAfterQuiet(h, clock, older);
    await clock.advance(1_000);
    const captioned = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '门牌照片' });
    await replyAfterQuiet(h, clock, captioned);
    await clock.advance(1_000);
    const part = await postPhoto(h, { chatId, sender: org.officer });
    await replyAfterQuiet(h, clock, part);
    await clock.advance(1_000);
    const last = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '#C05 村民代表大会' });
    await replyAfterQuiet(h, clock, last);
    await waitOnClock(h, clock, 'the part before filed', async () => (await burstOf(part)).task === 'C05');
    expect((await burstOf(last)).task).toBe('C05');
    await clock.advance(5_000);
    await h.settle();
    expect(await burstOf(captioned)).toEqual({ caption: '门牌照片', title: null, task: null });
    expect(await burstOf(older)).toEqual({ caption: null, title: null, task: null });
  });

  it('a text that arrives before the photos sent just before it is theirs, not the untapped card’s before', async () => {
    const earlier = await postPhoto(h, { chatId, sender: org.officer });
    await replyAfterQuiet(h, clock, earlier);
    await clock.advance(30_000);
    // Lark delivers the text first, though the photo was sent a moment before it.
    const photoAt = nextCreateTime(h);
    const textAt = nextCreateTime(h);
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId,
      senderOpenId: org.officer,
      content: { text: '入户走访 李四家' },
      createTimeMs: textAt,
    });
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    const photo = id('om_');
    const key = id('img_');
    h.fake.addResource({ messageId: photo, fileKey: key, bytes: await jpeg(7), contentType: 'image/jpeg' });
    expect(
      (
        await h.post(
          messageEvent({
            appId: h.fake.appId,
            chatId,
            messageId: photo,
            senderOpenId: org.officer,
            msgType: 'image',
            content: { image_key: key },
            createTimeMs: photoAt,
          }),
        )
      ).status,
    ).toBe(200);
    await replyAfterQuiet(h, clock, photo);
    await clock.advance(5_000);
    await h.settle();
    expect((await burstOf(photo)).caption).toBe('入户走访 李四家');
    expect((await burstOf(earlier)).caption).toBeNull();
  });

  it('once the card was tapped, or long after, a text is not its caption; chat never is', async () => {
    const tapped = await postPhoto(h, { chatId, sender: org.officer });
    const card = await replyAfterQuiet(h, clock, tapped);
    expect(await tapFirstTask(card)).toBe('success');
    const before = await burstOf(tapped);
    await clock.advance(20_000);
    await postText(h, { chatId, sender: org.officer, text: '下午拍的' });
    await clock.advance(5_000);
    await h.settle();
    expect(await burstOf(tapped)).toEqual(before);

    // Past that text's own window (a text just before photos is their caption, as always).
    await clock.advance(10_000);
    const waiting = await postPhoto(h, { chatId, sender: org.officer });
    const card2 = await replyAfterQuiet(h, clock, waiting);
    await clock.advance(20_000);
    await postText(h, { chatId, sender: org.officer, text: '好的' });
    await clock.advance(10 * 60_000);
    await postText(h, { chatId, sender: org.officer, text: '明天开会' });
    await clock.advance(5_000);
    await h.settle();
    expect((await burstOf(waiting)).caption).toBeNull();
    expect(patchesOf(card2.messageId)).toEqual([]);
    expect(cardButtons(card2.content).some((b) => b.value?.a === 'file')).toBe(true);
  });
});
