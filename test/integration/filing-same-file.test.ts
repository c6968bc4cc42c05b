import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { taskProgress } from '../../src/db/repos/completeness.js';
import { unitProgress, unitProgressDirect } from '../../src/db/repos/completeness-progress.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { cardActionEvent, recallEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * The village officer sends the same photo twice (by accident, or forwarded again) and files both to
 * one task that needs 2 photos: it is one photo, so the task is not 交齐. Counted once wherever
 * progress shows (the filing card, 缺什么, the unit counts), also when the second copy's download
 * finishes after the filing, and still right after 撤销 or 撤回 of either copy.
 */
describe('the same file filed twice to one task counts once', () => {
  let h: Harness;
  let org: SeededOrg;
  let villageId: number;
  let taskId: number;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({
      mode: 'webhook',
      clock,
      env: { BURST_DOWNLOAD_WAIT_SECONDS: '10', STORED_REACTION: 'off' },
    });
    org = await seedOrg(h.db.db, { prefix: 'SF', clock });
    villageId = await bindVillageChat(h, org, chatId);
    // C12: photos only, at least 2.
    const [task] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from tasks where unit_id = ${villageId} and code = 'C12'`,
    );
    taskId = task!.id;
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.fake.clearFaults();
    h.fake.assertNoUnknownRoutes();
  });

  const text = (m: unknown) => JSON.stringify(m);
  const click = (
    value: Record<string, unknown>,
    messageId: string,
  ): Promise<{ toast: { type: string }; card?: { data: unknown } }> =>
    tapCard(h, { operator: org.officer, value, chatId, messageId });
  /** Files the burst answered by `ack` to C12 from its card; the filed card. */
  const fileToTask = async (ack: { content: unknown; messageId: string }) => {
    const choice = cardButtons(ack.content).find((b) => b.value.a === 'file')!;
    const filed = await click({ ...choice.value, t: taskId }, ack.messageId);
    expect(filed.toast.type).toBe('success');
    return filed.card!.data;
  };
  const filed = async () => (await taskProgress(h.db.db, taskId))!.filed;
  const command = async (words: string) =>
    text((await sayToBot(h, { chatId, sender: org.officer, text: words })).content);
  const recall = async (messageId: string) => {
    const res = await h.post(
      recallEvent({ appId: h.fake.appId, messageId, chatId, recallTimeMs: clock.now().getTime() }),
    );
    expect(res.status).toBe(200);
    await h.settle();
  };
  /** The unit's counts (what the unit pages and 进度 read) agree with the items. */
  const countsAgree = async () => {
    await h.bot.runTimer('progress-counts-fold');
    expect(await unitProgress(h.db.db, villageId, clock.now())).toEqual(
      await unitProgressDirect(h.db.db, villageId, clock.now()),
    );
  };

  it('twice the same photo is 1 of 2; another photo makes it 交齐; 撤销 and 撤回 of a copy keep the count', async () => {
    // The photo, filed to C12.
    const first = await postPhoto(h, { chatId, sender: org.officer, seed: 4242 });
    const ack1 = await replyAfterQuiet(h, clock, first);
    const filedCard1 = await fileToTask(ack1);
    expect(text(filedCard1)).toContain('要2张，交了1张，还差1张');

    // The same bytes again, as a new message: the bot says it has them already, and filed to C12
    // they do not make the task 交齐.
    const again = await postPhoto(h, { chatId, sender: org.officer, seed: 4242 });
    const ack2 = await replyAfterQuiet(h, clock, again);
    expect(text(ack2.content)).toContain('与之前收到的文件完全相同');
    const card2 = text(await fileToTask(ack2));
    expect(card2).not.toContain('已交齐');
    expect(card2).toContain('要2张，交了1张，还差1张');
    expect(await filed()).toBe(1);
    expect(await command('缺什么')).toContain('C12');
    await countsAgree();

    // A different photo, with a third copy of the first that is still downloading when filed: 交齐
    // by the new photo; the copy joining later is not counted.
    const other = await postPhoto(h, { chatId, sender: org.officer, seed: 77 });
    const late = id('om_');
    h.fake.inject({ path: new RegExp(`/messages/${late}/resources/`), fault: { status: 503 } });
    await postPhoto(h, { chatId, sender: org.officer, seed: 4242, messageId: late });
    const ack3 = await replyAfterQuiet(h, clock, other);
    expect(text(ack3.content)).toContain('还有 1 个正在下载');
    expect(text(await fileToTask(ack3))).toContain('已交齐（要2张，交了2张）');
    h.fake.clearFaults();
    await waitFor('the late copy stored and filed', async () => {
      const [row] = await queryRows<{ n: number }>(
        h.db.db,
        sql`select count(*)::int as n from filing_item_materials fim join materials m on m.id = fim.material_id
            where m.message_id = ${late}`,
      );
      if (row!.n === 0) {
        await clock.advance(60_000);
        await h.settle();
      }
      return row!.n === 1;
    });
    expect(await filed()).toBe(2);
    expect(await command('缺什么')).not.toContain('C12');
    await countsAgree();

    // 撤销 of the first filing: the second copy counts in its place.
    const undo = cardButtons(filedCard1).find((b) => b.value.a === 'undo')!;
    const asked = await click(undo.value, ack1.messageId);
    const sure = cardButtons(asked.card!.data).find((b) => b.value.a === 'undo')!;
    expect((await click(sure.value, ack1.messageId)).toast.type).toBe('success');
    expect(await filed()).toBe(2);
    await countsAgree();

    // 撤回 of the second copy's message: the late copy counts in its place; 撤回 of that one too, and
    // only the other photo is left.
    await recall(again);
    expect(await filed()).toBe(2);
    await recall(late);
    expect(await filed()).toBe(1);
    expect(await command('缺什么')).toContain('C12');
    await countsAgree();
  });

  it('a copy of a file filed from another of the village’s chats, forwarded here: the card says it is the same file', async () => {
    // The village's other group (村两委群): the photo is filed to C12 there.
    const otherChat = id('oc_');
    await bindVillageChat(h, org, otherChat);
    const before = await filed();
    const there = await postPhoto(h, { chatId: otherChat, sender: org.officer, seed: 5150 });
    const ackThere = await replyAfterQuiet(h, clock, there);
    const choice = cardButtons(ackThere.content).find((b) => b.value.a === 'file')!;
    const tapThere = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: { ...choice.value, t: taskId },
        chatId: otherChat,
        messageId: ackThere.messageId,
      }),
    );
    expect(((await tapThere.json()) as { toast: { type: string } }).toast.type).toBe('success');
    expect(await filed()).toBe(before + 1);

    // Forwarded into this chat (a new message, the same bytes), with a photo not sent before.
    const forwarded = await postPhoto(h, { chatId, sender: org.officer, seed: 5150 });
    await postPhoto(h, { chatId, sender: org.officer, seed: 5151 });
    const ack = await replyAfterQuiet(h, clock, forwarded);
    expect(text(ack.content)).toContain('其中 1 个与之前收到的文件完全相同，只保存一份');
    // Filed to C12: the filed card counts one more photo, and says why.
    const card = text(await fileToTask(ack));
    expect(card).toContain('完全相同');
    expect(await filed()).toBe(before + 2);
    await countsAgree();
  });

  it('items filed before the change are recounted by migration 0024', async () => {
    const [c05] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from tasks where unit_id = ${villageId} and code = 'C05'`,
    );
    const progress = async () => (await taskProgress(h.db.db, c05!.id))!.filed;
    const fileTo = async (seed: number) => {
      const photo = await postPhoto(h, { chatId, sender: org.officer, seed });
      const ack = await replyAfterQuiet(h, clock, photo);
      const choice = cardButtons(ack.content).find((b) => b.value.a === 'file')!;
      expect((await click({ ...choice.value, t: c05!.id }, ack.messageId)).toast.type).toBe('success');
    };
    await fileTo(9001);
    await fileTo(9001);
    await fileTo(9002);
    expect(await progress()).toBe(2);
    // As the old code counted them: every material of every item.
    await h.db.db.execute(
      sql`update filing_items fi set n_photo = (select count(*) from filing_item_materials x where x.item_id = fi.id)
          where fi.task_id = ${c05!.id}`,
    );
    expect(await progress()).toBe(3);
    const migration = readFileSync(
      fileURLToPath(new URL('../../drizzle/0024_count_same_file_once.sql', import.meta.url)),
      'utf8',
    );
    await h.db.db.execute(sql.raw(migration));
    expect(await progress()).toBe(2);
    await countsAgree();
  });
});
