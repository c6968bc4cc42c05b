import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { taskProgress } from '../../src/db/repos/completeness.js';
import { missingForUnit } from '../../src/db/repos/completeness-missing.js';
import { unitProgress, unitProgressDirect } from '../../src/db/repos/completeness-progress.js';
import { openTasksDue } from '../../src/db/repos/page-due-tasks.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { buildDigests } from '../../src/usecases/build-digest.js';
import { cardButtonElements, cardButtons } from '../support/cards.js';
import { nextCreateTime, postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { messageEvent } from '../support/events.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const text = (m: unknown) => JSON.stringify(m);

/**
 * A village officer photographs a signed paper form (花名册, 登记表 …) page by page and files the photos
 * to a task that asks for documents only (checklist `kinds: [document]`). The item is one 文书 件 (its
 * export makes the pages one PDF), and it counts as one 份: on the filed card, in 缺什么, the unit counts
 * and pages, the reminders and escalations, the digest and 确认归档's preview.
 */
describe('photographed paper in a document task', () => {
  let w: SchedulesWorld;
  let villageId: number;
  const chatId = () => w.chats.village1;
  beforeAll(async () => {
    w = await schedulesWorld('PP', '2026-11-23T07:00:00+08:00');
    villageId = (await getUnitByCode(w.h.db.db, w.org.village))!.id;
    // Both ask for documents only, and are long overdue: reminded daily, escalated to the leaders.
    await w.setDue(w.org.village, 'C11', '2026-11-02');
    await w.setDue(w.org.village, 'C02', '2026-11-02');
    w.h.fake.addChat({
      chatId: w.chats.village1,
      name: '城关村工作群',
      members: [{ openId: w.org.officer, name: '王村官' }],
    });
  });
  afterAll(() => w?.close());
  afterEach(() => w.h.fake.assertNoUnknownRoutes());

  const h = () => w.h;
  const db = () => w.h.db.db;
  const tap = (value: Record<string, unknown>, messageId: string) =>
    tapCard(h(), { operator: w.org.officer, value, chatId: chatId(), messageId });
  const photos = async (n: number, caption?: string) => {
    const first = await postPhoto(h(), { chatId: chatId(), sender: w.org.officer });
    for (let i = 1; i < n; i++) await postPhoto(h(), { chatId: chatId(), sender: w.org.officer });
    if (caption) await postText(h(), { chatId: chatId(), sender: w.org.officer, text: caption });
    return first;
  };
  const post = async (msgType: string, content: Record<string, unknown>, bytes: Buffer) => {
    const messageId = id('om_');
    h().fake.addResource({ messageId, fileKey: String(content.file_key), bytes });
    const res = await h().post(
      messageEvent({
        appId: h().fake.appId,
        chatId: chatId(),
        messageId,
        senderOpenId: w.org.officer,
        msgType,
        content,
        createTimeMs: nextCreateTime(h()),
      }),
    );
    expect(res.status).toBe(200);
  };
  /** Files the burst answered by `ack` to task `code` of the village, from its card's file button. */
  const fileTo = async (ack: { content: unknown; messageId: string }, code: string) => {
    const choice = cardButtons(ack.content).find((b) => b.value.a === 'file')!;
    const filed = await tap({ ...choice.value, t: await w.taskId(w.org.village, code) }, ack.messageId);
    expect(filed.toast.type).toBe('success');
    return filed;
  };

  it('three photos of a 花名册 filed to C11 are its one 份: card, 缺什么, counts, pages, reminders, digest agree', async () => {
    const first = await photos(3, '花名册和上级通知');
    const ack = await replyAfterQuiet(h(), w.clock, first);
    // Both document tasks the caption names are offered, each saying how paper is handed in.
    const offered = cardButtonElements(ack.content).filter((b) => b.value?.a === 'file');
    const c11 = offered.find((b) => b.text.includes('贫困户花名册'))!;
    expect(c11).toBeDefined();
    expect(text(ack.content)).toContain('C11 · 还缺 1 份文件（纸质件：每页拍照，一次发完）');

    const filed = await tap(c11.value, ack.messageId);
    expect(filed.toast.type).toBe('success');
    expect(filed.toast.content).toContain('3 张照片合算 1 份（拍照的纸质件）');
    expect(filed.toast.content).toContain('该项已齐全');
    const card = text(filed.card!.data);
    // Before: 「要1份，交了0份，还差1份」 and 「其中 3 张照片不是文件，不计入本任务」.
    expect(card).toContain('已交齐（要1份，交了1份）');
    expect(card).toContain('3 张照片合算 1 份（拍照的纸质件）');
    expect(card).not.toContain('不计入本任务');
    const c11Id = await w.taskId(w.org.village, 'C11');
    expect(await taskProgress(db(), c11Id)).toMatchObject({ filed: 1, missing: 0, state: 'complete' });

    // 缺什么 in the village chat: C02 still, C11 no more.
    const missing = text(
      (await sayToBot(h(), { chatId: chatId(), sender: w.org.officer, text: '缺什么' })).content,
    );
    expect(missing).toContain('上级扶贫政策文件');
    expect(missing).not.toContain('贫困户花名册');

    // The unit counts the triggers keep (pages, 进度) and the direct count agree; the lists leave C11 out.
    await h().bot.runTimer('progress-counts-fold');
    const now = w.clock.now();
    const counted = await unitProgress(db(), villageId, now);
    expect(counted).toEqual(await unitProgressDirect(db(), villageId, now));
    expect(counted!.counts).toMatchObject({ complete: 1, overdue: 1 });
    for (const direct of [false, true]) {
      const list = await missingForUnit(db(), villageId, now, { direct, timeZone: 'Asia/Shanghai' });
      expect(list.items.map((m) => m.code)).toContain('C02');
      expect(list.items.map((m) => m.code)).not.toContain('C11');
    }
    const village = (await getUnitByCode(db(), w.org.village))!;
    const due = await openTasksDue(
      db(),
      village,
      new Date('2026-11-02T00:00:00+08:00'),
      new Date('2026-11-03T00:00:00+08:00'),
    );
    expect(due.tasks.map((t) => t.code)).toEqual(['C02']);

    // The digest: one task done (C11), one overdue (C02), and only C02 among the oldest overdue.
    const [digest] = await buildDigests(
      db(),
      now,
      { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 },
      w.townshipLeader,
    );
    const row = digest!.figures.children.find((c) => c.name === '城关村')!;
    expect(row).toMatchObject({ done: 1, overdue: 1 });
    expect(digest!.figures.oldest.map((o) => o.code)).toEqual(['C02']);

    // The 09:00 reminder and the escalations chase C02 only.
    await w.runAt('2026-11-23T09:00:00+08:00');
    const reminders = w.sentTo(chatId());
    expect(reminders).toHaveLength(1);
    expect(text(reminders[0]!.content)).toContain('#C02');
    expect(text(reminders[0]!.content)).not.toContain('#C11');
    for (const leader of [w.townshipLeader, w.org.leader]) {
      const sent = w.sentTo(leader).map((m) => text(m.content));
      expect(sent.some((s) => s.includes('上级扶贫政策文件'))).toBe(true);
      expect(sent.some((s) => s.includes('贫困户花名册'))).toBe(false);
    }

    // 确认归档's preview does not call the photos uncounted.
    const preview = text(
      (await sayToBot(h(), { chatId: chatId(), sender: w.org.archivist, text: '确认归档' })).content,
    );
    expect(preview).not.toContain('任务不计的文件');
  });

  it('unit counts kept before the change are rebuilt by migration 0032', async () => {
    const statements = (file: string) =>
      readFileSync(new URL(`../../drizzle/${file}`, import.meta.url), 'utf8').split(
        '--> statement-breakpoint',
      );
    const counts = async () => {
      await h().bot.runTimer('progress-counts-fold');
      return (await unitProgress(db(), villageId, w.clock.now()))!.counts;
    };
    const direct = (await unitProgressDirect(db(), villageId, w.clock.now()))!.counts;
    expect(await counts()).toEqual(direct);
    // As the counts stood before: rebuilt by 0016's rule, C11's photos not counted.
    const before = statements('0016_progress_deltas.sql').find((s) =>
      s.includes('FUNCTION progress_counts_rebuild'),
    )!;
    await db().execute(sql.raw(before));
    await db().execute(sql`select progress_counts_rebuild()`);
    expect((await counts()).complete).toBe(direct.complete - 1);
    for (const s of statements('0032_photographed_paper_counts.sql')) await db().execute(sql.raw(s));
    expect(await counts()).toEqual(direct);
  });

  it('a mixed batch: a PDF and two photos count 2 份; a voice note in it is still not counted', async () => {
    const first = await photos(2);
    await post(
      'file',
      { file_key: id('file_'), file_name: 'agreement.pdf' },
      Buffer.from('%PDF-1.4\n%%EOF\n'),
    );
    const opus = readFileSync(new URL('../fixtures/audio/lark-voice-note.opus', import.meta.url));
    await post('audio', { file_key: id('au_'), duration: 3000 }, opus);
    const ack = await replyAfterQuiet(h(), w.clock, first);
    // C15 帮扶单位结对协议及帮扶计划: documents only, at least 1.
    const filed = await fileTo(ack, 'C15');
    const card = text(filed.card!.data);
    // Before: 「已交齐（要1份，交了1份）」 and the photos named as not counted.
    expect(card).toContain('已交齐（要1份，交了2份）');
    expect(card).toContain('2 张照片合算 1 份（拍照的纸质件）');
    expect(card).toContain('⚠️ 其中 1 段语音不是文件或照片，不计入本任务');
    expect((await taskProgress(db(), await w.taskId(w.org.village, 'C15')))!.filed).toBe(2);
    await h().bot.runTimer('progress-counts-fold');
    expect(await unitProgress(db(), villageId, w.clock.now())).toEqual(
      await unitProgressDirect(db(), villageId, w.clock.now()),
    );
    const preview = text(
      (await sayToBot(h(), { chatId: chatId(), sender: w.org.archivist, text: '确认归档' })).content,
    );
    expect(preview).toMatch(/- &#35;C15 [^"]*：其中 1 段语音不是文件或照片，不计入本任务/);
  });

  it('a photographed page sent again adds no 份: the filed card does not say it counts as one', async () => {
    const page = { chatId: chatId(), sender: w.org.officer, seed: 5_550_123 };
    const filedCount = async () => (await taskProgress(db(), await w.taskId(w.org.village, 'C02')))!.filed;
    const before = await filedCount();
    const once = await postPhoto(h(), page);
    const first = text((await fileTo(await replyAfterQuiet(h(), w.clock, once), 'C02')).card!.data);
    expect(first).toContain('这张照片算 1 份（拍照的纸质件）');
    expect(await filedCount()).toBe(before + 1);
    // The same page again: the task already holds it (n_photo 0), so 交了 stays, and no line says it counts.
    const again = await postPhoto(h(), page);
    const ack = await replyAfterQuiet(h(), w.clock, again);
    const filed = await fileTo(ack, 'C02');
    expect(await filedCount()).toBe(before + 1);
    expect(text(filed.card!.data)).not.toContain('算 1 份');
    expect(filed.toast.content).not.toContain('算 1 份');
    // The card drawn again (the file button tapped once more) says the same.
    const choice = cardButtons(ack.content).find((b) => b.value.a === 'file')!;
    const redrawn = await tap({ ...choice.value, t: await w.taskId(w.org.village, 'C02') }, ack.messageId);
    expect(text(redrawn.card!.data)).toContain('已交到');
    expect(text(redrawn.card!.data)).not.toContain('算 1 份');
  });

  it('a photo task counts photo by photo as before, and still names a PDF it does not count', async () => {
    const first = await photos(2);
    await post('file', { file_key: id('file_'), file_name: 'notice.pdf' }, Buffer.from('%PDF-1.4\n%%EOF\n'));
    const ack = await replyAfterQuiet(h(), w.clock, first);
    // C12 识别公示照片: photos only, at least 2.
    const card = text((await fileTo(ack, 'C12')).card!.data);
    expect(card).toContain('已交齐（要2张，交了2张）');
    expect(card).toContain('其中 1 个文件不是照片，不计入本任务');
    expect(card).not.toContain('纸质件');
  });
});
