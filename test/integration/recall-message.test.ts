import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { taskProgress } from '../../src/db/repos/completeness.js';
import { unitProgress, unitProgressDirect } from '../../src/db/repos/completeness-progress.js';
import { itemDetail } from '../../src/db/repos/page-items.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { postPhoto, postText, replyAfterQuiet, tapPhotoTask, waitOnClock } from '../support/chat-photos.js';
import { cardButtons } from '../support/cards.js';
import { cardActionEvent, commandEvent, recallEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * An officer recalls (撤回) a message in the group, e.g. a household's ID card sent into the wrong
 * chat: the bot follows (im.message.recalled_v1, through the webhook, the real SDK, the real database
 * and files). What it kept leaves the archive path: not offered, filed, exported or counted; queued
 * downloads are dropped; the audit trail says who and when; the officer is told under the card.
 */
describe('a message recalled in the chat leaves the archive path', () => {
  let h: Harness;
  let org: SeededOrg;
  let villageId: number;
  const chatId = id('oc_');
  const unboundChat = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({
      mode: 'webhook',
      clock,
      env: { BURST_DOWNLOAD_WAIT_SECONDS: '10', STORED_REACTION: 'off' },
    });
    org = await seedOrg(h.db.db, { prefix: 'RC', clock });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    h.fake.addChat({
      chatId: unboundChat,
      name: '闲聊群',
      members: [{ openId: org.officer, name: '王村官' }],
    });
    const village = (await getUnitByCode(h.db.db, org.village))!;
    villageId = village.id;
    await bindChat({ db: h.db.db, clock }, { chatId, unitId: village.id, actorOpenId: org.officer });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.fake.clearFaults();
    h.fake.assertNoUnknownRoutes();
  });

  const textOf = (m: { content: unknown }) => JSON.stringify(m.content);
  /** Lark pushes the recall to the webhook; resolves once the bot has done everything it leads to. */
  const recall = async (
    messageId: string,
    o: { chat?: string; eventId?: string; type?: 'group_owner' } = {},
  ) => {
    const res = await h.post(
      recallEvent({
        appId: h.fake.appId,
        messageId,
        chatId: o.chat ?? chatId,
        recallTimeMs: clock.now().getTime(),
        ...(o.eventId ? { eventId: o.eventId } : {}),
        ...(o.type ? { recallType: o.type } : {}),
      }),
    );
    expect(res.status).toBe(200);
    await h.settle();
  };
  const materialStatus = async (messageId: string) =>
    (
      await queryRows<{ status: string }>(
        h.db.db,
        sql`select status from materials where message_id = ${messageId}`,
      )
    )[0]?.status;
  const materialId = async (messageId: string) =>
    Number(
      (
        await queryRows<{ id: number }>(
          h.db.db,
          sql`select id::int as id from materials where message_id = ${messageId}`,
        )
      )[0]!.id,
    );
  /** The burst's live item: its counts and members. */
  const liveItem = async (firstMessageId: string) =>
    (
      await queryRows<{ id: number; task_id: number; n_photo: number; members: number }>(
        h.db.db,
        sql`select fi.id::int as id, fi.task_id::int as task_id, fi.n_photo,
              (select count(*)::int from filing_item_materials m where m.item_id = fi.id) as members
            from filing_items fi join bursts b on b.id = fi.burst_id
            where b.first_message_id = ${firstMessageId} and fi.undone_at is null`,
      )
    )[0];
  const recallAudit = async (messageId: string) =>
    queryRows<{
      actor: string;
      unit_id: number | null;
      item_id: number | null;
      details: Record<string, unknown>;
    }>(
      h.db.db,
      sql`select actor, unit_id::int as unit_id, item_id::int as item_id, details from audit_log
          where action = 'recall' and details->>'messageId' = ${messageId} order by id`,
    );
  const downloadsOf = (messageId: string) =>
    h.fake.callsTo('GET', new RegExp(`/messages/${messageId}/resources/`)).length;
  /** Taps the card's first photo task as the officer; the callback's answer. */
  const tapAsOfficer = (ack: { content: unknown; messageId: string }) =>
    tapPhotoTask(h, ack, { operator: org.officer, chatId });
  /** Files the burst by its card's first photo task. */
  const fileByCard = async (ack: { content: unknown; messageId: string }) => {
    expect((await tapAsOfficer(ack)).toast.type).toBe('success');
  };
  const repliesTo = (messageId: string) => h.fake.sentMessages().filter((m) => m.replyTo === messageId);
  const eventsNotDone = async () =>
    (
      await queryRows<{ n: number }>(
        h.db.db,
        sql`select count(*)::int as n from inbound_events where status <> 'done' and status <> 'ignored'`,
      )
    )[0]!.n;

  it('recalled after filing: taken off the item, the task recounted, the pages leave it out, the officer told; bytes kept', async () => {
    const photos = [
      await postPhoto(h, { chatId, sender: org.officer }),
      await postPhoto(h, { chatId, sender: org.officer }),
      await postPhoto(h, { chatId, sender: org.officer }),
    ];
    const ack = await replyAfterQuiet(h, clock, photos[0]!);
    expect(textOf(ack)).toContain('收到 3 张照片');
    await fileByCard(ack);
    // A photo still downloading when the card was tapped is counted on the item once stored: the
    // counts are read once the queue is done.
    await h.settle();
    const filed = (await liveItem(photos[0]!))!;
    expect(filed).toMatchObject({ n_photo: 3, members: 3 });
    const before = (await taskProgress(h.db.db, filed.task_id))!.filed;
    const wrong = await materialId(photos[1]!);
    const [blob] = await queryRows<{ key: string }>(
      h.db.db,
      sql`select storage_key as key from materials where id = ${wrong}`,
    );

    await recall(photos[1]!);
    expect(await materialStatus(photos[1]!)).toBe('recalled');
    expect(await liveItem(photos[0]!)).toMatchObject({ id: filed.id, n_photo: 2, members: 2 });
    expect((await taskProgress(h.db.db, filed.task_id))!.filed).toBe(before - 1);
    // The item page shows the two left; the counts the unit pages read agree with the items.
    const page = (await itemDetail(h.db.db, filed.id))!;
    expect(page.materials.map((m) => m.id)).not.toContain(wrong);
    expect(page.materials).toHaveLength(2);
    await h.bot.runTimer('progress-counts-fold');
    expect(await unitProgress(h.db.db, villageId, clock.now())).toEqual(
      await unitProgressDirect(h.db.db, villageId, clock.now()),
    );
    // Who and when, never what.
    const [audit] = await recallAudit(photos[1]!);
    expect(audit).toMatchObject({ actor: org.officer, item_id: filed.id, unit_id: villageId });
    expect(audit!.details).toMatchObject({ recallType: 'message_owner', materialIds: [wrong] });
    expect(JSON.stringify(audit!.details)).not.toMatch(/img_|storage|sha/);
    // One short line under the card.
    const notice = repliesTo(ack.messageId);
    expect(notice).toHaveLength(1);
    expect(textOf(notice[0]!)).toContain('已撤回的材料不再归档，已从「');
    // The stored bytes stay: content-addressed, another material may hold the same file.
    const store = new LocalBlobStore(join(h.dataDir, 'files'), { minFreeBytes: 0 });
    expect(existsSync(store.pathOf(blob!.key))).toBe(true);

    // The other two recalled as well: nothing is left, so the filing is undone.
    await recall(photos[0]!);
    await recall(photos[2]!);
    expect(await liveItem(photos[0]!)).toBeUndefined();
    expect((await taskProgress(h.db.db, filed.task_id))!.filed).toBe(before - 3);
    expect(textOf(repliesTo(ack.messageId).at(-1)!)).toContain('这次提交已取消');
    await h.bot.runTimer('progress-counts-fold');
    expect(await unitProgress(h.db.db, villageId, clock.now())).toEqual(
      await unitProgressDirect(h.db.db, villageId, clock.now()),
    );
    expect(await eventsNotDone()).toBe(0);
  });

  it('recalled while its download still retries: the download is dropped, never joins the filing', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const slow = id('om_');
    h.fake.inject({ path: new RegExp(`/messages/${slow}/resources/`), fault: { status: 503 } });
    await postPhoto(h, { chatId, sender: org.officer, messageId: slow });
    const ack = await replyAfterQuiet(h, clock, first);
    expect(textOf(ack)).toContain('还有 1 个正在下载');
    await fileByCard(ack);
    expect(await liveItem(first)).toMatchObject({ n_photo: 1, members: 1 });

    await recall(slow);
    expect(await materialStatus(slow)).toBe('recalled');
    const [job] = await queryRows<{ status: string }>(
      h.db.db,
      sql`select status from jobs where kind = 'download-material' and key = ${String(await materialId(slow))}`,
    );
    expect(job?.status).toBe('done');
    const tried = downloadsOf(slow);
    // Lark would give the file now: nothing asks for it any more.
    h.fake.clearFaults();
    for (let i = 0; i < 4; i++) {
      await clock.advance(10 * 60_000);
      await h.settle();
    }
    expect(downloadsOf(slow)).toBe(tried);
    expect(await materialStatus(slow)).toBe('recalled');
    expect(await liveItem(first)).toMatchObject({ n_photo: 1, members: 1 });
    const notices = repliesTo(ack.messageId);
    expect(notices).toHaveLength(1);
    expect(textOf(notices[0]!)).toContain('已撤回的材料不再归档。');
    // No 「没能保存」 notice for it either.
    expect(repliesTo(first)).toHaveLength(1);
  });

  it('photos recalled one by one (sent to the wrong group): one notice under the card, not one per photo', async () => {
    const photos = [
      await postPhoto(h, { chatId, sender: org.officer }),
      await postPhoto(h, { chatId, sender: org.officer }),
      await postPhoto(h, { chatId, sender: org.officer }),
    ];
    const ack = await replyAfterQuiet(h, clock, photos[0]!);
    // Lark has a recall per message: three events, and before, three identical replies in the group.
    for (const photo of photos) await recall(photo);
    const notices = repliesTo(ack.messageId);
    expect(notices.map(textOf)).toEqual([JSON.stringify({ text: '已撤回的材料不再归档。' })]);
  });

  it('every photo of an unfiled burst recalled: its card is patched to say so, with no task buttons; a tap on it draws the same', async () => {
    const photos = [
      await postPhoto(h, { chatId, sender: org.officer }),
      await postPhoto(h, { chatId, sender: org.officer }),
    ];
    const ack = await replyAfterQuiet(h, clock, photos[0]!);
    expect(cardButtons(ack.content).length).toBeGreaterThan(0);
    const patchesOf = () => h.fake.patches().filter((p) => p.messageId === ack.messageId);
    // One of two recalled: the other can still be filed, the card keeps its tasks (drawn without it).
    await recall(photos[0]!);
    expect(patchesOf()).toHaveLength(1);
    expect(cardButtons(patchesOf()[0]!.content).some((b) => b.value?.a === 'file')).toBe(true);
    await recall(photos[1]!);
    const patched = patchesOf().slice(1);
    expect(patched).toHaveLength(1);
    expect(cardButtons(patched[0]!.content)).toEqual([]);
    expect(JSON.stringify(patched[0]!.content)).toContain(
      '这组材料（2 张照片）已被撤回，不再归档，不用选择任务',
    );
    // A tap that was already on its way (a phone showing the old card) gets the same card, not just a refusal.
    const tap = await tapAsOfficer(ack);
    expect(tap.toast.content).toBe('这组材料已撤回，不再归档');
    expect(cardButtons(tap.card!.data)).toEqual([]);
    expect(JSON.stringify(tap.card!.data)).toContain('已被撤回');
    expect(await liveItem(photos[0]!)).toBeUndefined();
    expect(await eventsNotDone()).toBe(0);
  });

  it('one photo of an unfiled burst recalled: its card and the copy sent again are drawn without it', async () => {
    const photos = [
      await postPhoto(h, { chatId, sender: org.officer }),
      await postPhoto(h, { chatId, sender: org.officer }),
      await postPhoto(h, { chatId, sender: org.officer }),
    ];
    const ack = await replyAfterQuiet(h, clock, photos[0]!);
    expect(textOf(ack)).toContain('3 张照片');
    // 未归档, then 选任务: the card sent again under the first photo (as a reminder sends it).
    const cmd = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId,
      senderOpenId: org.officer,
      text: '未归档',
      createTimeMs: clock.now().getTime(),
    });
    expect((await h.post(cmd)).status).toBe(200);
    const list = await waitOnClock(h, clock, 'the 未归档 list', () =>
      h.fake.sentMessages().find((m) => m.replyTo === cmd.event.message.message_id),
    );
    const burst = cardButtons(ack.content).find((b) => b.value?.a === 'skip')!.value.b;
    const again = cardButtons(list.content).find((b) => b.value?.a === 'card-again' && b.value.b === burst)!;
    const res = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: again.value,
        chatId,
        messageId: list.messageId,
      }),
    );
    expect(res.status).toBe(200);
    const copy = await waitOnClock(h, clock, 'the card sent again', () =>
      repliesTo(photos[0]!).find((m) => m.messageId !== ack.messageId && m.msgType === 'interactive'),
    );
    expect(textOf(copy)).toContain('3 张照片');
    expect(textOf(copy)).toContain('发的）还没交到任务里');
    await h.settle();

    // Before: neither card changed; both still said 3 photos, and offered them for filing.
    await recall(photos[1]!);
    for (const card of [ack, copy]) {
      const patched = await waitOnClock(h, clock, 'the card drawn again', () =>
        h.fake.patches().find((p) => p.messageId === card.messageId),
      );
      const text = JSON.stringify(patched.content);
      expect(text).toContain('2 张照片');
      expect(text).not.toContain('3 张照片');
      expect(text).toContain('已撤回 1 张照片，不再归档');
      expect(cardButtons(patched.content).some((b) => b.value?.a === 'file')).toBe(true);
      // The copy keeps the heading it was sent with (before: lost on the copy); the reply never had it.
      expect(text.includes('发的）还没交到任务里')).toBe(card === copy);
    }
    // Drawn, not filed: the caption filed nothing; a tap on the copy files the two photos left.
    expect(await liveItem(photos[0]!)).toBeUndefined();
    const filed = await tapAsOfficer(copy);
    expect(filed.toast.type).toBe('success');
    expect(await liveItem(photos[0]!)).toMatchObject({ members: 2, n_photo: 2 });
    // Undone again: the photo task stays short of photos for the tests below.
    const undo = cardButtons(filed.card!.data).find((b) => b.value?.a === 'undo')!;
    const undone = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: { ...undo.value, sure: 1 },
        chatId,
        messageId: copy.messageId,
      }),
    );
    expect(undone.status).toBe(200);
    expect(await liveItem(photos[0]!)).toBeUndefined();
  });

  it('a recall that arrives before its message: the photo is never downloaded, offered or answered', async () => {
    const early = id('om_');
    await recall(early);
    expect((await recallAudit(early))[0]!.details).toMatchObject({ seen: false });
    await postPhoto(h, { chatId, sender: org.officer, messageId: early });
    await h.settle();
    expect(await materialStatus(early)).toBe('recalled');
    await waitOnClock(h, clock, 'the burst closed', async () => {
      const [b] = await queryRows<{ status: string }>(
        h.db.db,
        sql`select status from bursts where first_message_id = ${early}`,
      );
      return b?.status === 'closed';
    });
    await h.settle();
    expect(downloadsOf(early)).toBe(0);
    expect(repliesTo(early)).toHaveLength(0);
    expect(await eventsNotDone()).toBe(0);
  });

  it('refuses a recall naming another chat than the message’s (before or after the message); the real one still works', async () => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    await h.settle();
    const before = (await materialStatus(photo))!;
    await recall(photo, { chat: unboundChat });
    expect(await materialStatus(photo)).toBe(before);
    expect(await recallAudit(photo)).toHaveLength(0);
    expect(h.bot.deps.metrics.value('message_recalls_total', { result: 'refused' })).toBe(1);

    // Named with another chat before the message arrives: it does not catch the message in its own chat.
    const later = id('om_');
    await recall(later, { chat: unboundChat });
    await postPhoto(h, { chatId, sender: org.officer, messageId: later });
    await h.settle();
    expect(await materialStatus(later)).not.toBe('recalled');

    await recall(photo);
    expect(await materialStatus(photo)).toBe('recalled');
    // Their burst's card answers the photo left, not the recalled first one (Lark refuses a reply to it).
    const ack = await replyAfterQuiet(h, clock, later);
    expect(textOf(ack)).toContain('收到 1 张照片');
    expect(repliesTo(photo)).toHaveLength(0);
    expect(await eventsNotDone()).toBe(0);
  });

  it('a recall delivered twice (same event, and again under a new event id) acts once', async () => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, photo);
    const eventId = id('ev_');
    await recall(photo, { eventId });
    await recall(photo, { eventId });
    await recall(photo);
    expect(await recallAudit(photo)).toHaveLength(1);
    expect(repliesTo(ack.messageId)).toHaveLength(1);
    expect(h.bot.deps.metrics.value('message_recalls_total', { result: 'repeat' })).toBe(1);
    // A tap on its card files nothing and says why.
    expect(JSON.stringify(await tapAsOfficer(ack))).toContain('这组材料已撤回，不再归档');
    expect(await liveItem(photo)).toBeUndefined();
    expect(await eventsNotDone()).toBe(0);
  });

  it('recalls of a caption, of a message in an unbound chat and of one never seen go through without error', async () => {
    const caption = await postText(h, {
      chatId,
      sender: org.officer,
      text: '张三户 身份证 430000000000000000',
    });
    await h.settle();
    await recall(caption, { type: 'group_owner' });
    const [text] = await queryRows<{ text: string | null }>(
      h.db.db,
      sql`select text from messages where message_id = ${caption}`,
    );
    expect(text?.text).toBeNull();
    expect((await recallAudit(caption))[0]!.actor).toBe('lark:group_owner');

    const elsewhere = await postPhoto(h, { chatId: unboundChat, sender: org.officer });
    await h.settle();
    await recall(elsewhere, { chat: unboundChat });
    expect(await materialStatus(elsewhere)).toBe('recalled');
    expect((await recallAudit(elsewhere))[0]!.unit_id).toBeNull();

    await recall(id('om_'), { chat: unboundChat });
    expect(await eventsNotDone()).toBe(0);
  });
});
