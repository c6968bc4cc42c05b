import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { cardButtons } from '../support/cards.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postPhoto, replyAfterQuiet, type TapAnswer } from '../support/chat-photos.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { bindVillageChat, deliverMemberEvent, joinVillageChat } from '../support/bound-chat.js';
import { waitFor } from '../support/wait-for.js';
import { replyText } from './capture-helpers.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/** The village officer on a phone: filed to the wrong task, puts it right from the same card; asks what is 待交. */
describe('officer: the wrong task put right on the card, and what is still to hand in', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'O' });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const tap = (operator: string, value: Record<string, unknown>, messageId: string): Promise<TapAnswer> =>
    tapCard(h, { operator, value, chatId, messageId });
  const buttonOf = (card: unknown, text: string) => {
    const b = cardButtons(card).find((x) => x.text.includes(text));
    if (!b) throw new Error(`no button 「${text}」 on the card`);
    return b.value as Record<string, unknown>;
  };
  /** Two photos, filed by the officer to 村民代表大会… (the wrong task): the card and the answer. */
  const filedToWrongTask = async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, first);
    const filed = await tap(org.officer, buttonOf(ack.content, '村民代表大会'), ack.messageId);
    expect(filed.toast.content).toContain('已交到「C04 村民代表大会评议、票决记录及签字」');
    return { ack, filed };
  };
  const liveTasks = async () =>
    (
      await queryRows<{ code: string }>(
        h.db.db,
        sql`select t.code from filing_items fi join tasks t on t.id = fi.task_id
            where fi.chat_id = ${chatId} and fi.undone_at is null order by fi.id`,
      )
    ).map((r) => r.code);

  it('更正 on the filed card, within the 24 hours, asks to undo; then the right task is one tap', async () => {
    const { ack, filed } = await filedToWrongTask();
    // Before: a toast pointing at 撤销, and the card unchanged.
    const fix = await tap(org.officer, buttonOf(filed.card!.data, '更正'), ack.messageId);
    expect(JSON.stringify(fix.card?.data)).toContain(
      '撤销后这组材料不再算作 **「C04 村民代表大会评议、票决记录及签字」** 的材料，可以重新选择任务。',
    );
    expect(replyText({ msgType: 'interactive', content: fix.card!.data } as never)).toContain(
      '收到 2 张照片',
    );
    const undone = await tap(org.officer, buttonOf(fix.card!.data, '确定撤销'), ack.messageId);
    expect(undone.toast).toMatchObject({ type: 'success' });
    const right = await tap(org.officer, buttonOf(undone.card!.data, '重要会议现场照片'), ack.messageId);
    expect(right.toast.content).toContain('已交到「C05 重要会议现场照片」');
    expect(await liveTasks()).toEqual(['C05']);
  });

  it('another member’s 更正 within the 24 hours says who can put it right', async () => {
    const { ack, filed } = await filedToWrongTask();
    const neighbour = joinVillageChat(h, org, chatId, id('ou_neighbour_'));
    const fix = await tap(neighbour, buttonOf(filed.card!.data, '更正'), ack.messageId);
    // Before: 「24 小时内可以直接点「撤销」」, which refuses anyone but the filer.
    expect(fix.toast).toEqual({
      type: 'info',
      content: '提交后 24 小时内，请提交人王村官点「撤销」后重新提交，或请档案员更正',
    });
    expect(fix.card).toBeUndefined();
  });

  /**
   * A member of the village chat the bot can name (Lark's contacts, learnt when they first file), who
   * joined it just now: Lark's member event tells the bot.
   */
  const colleague = async (name: string) => {
    const openId = joinVillageChat(h, org, chatId, id('ou_colleague_'));
    await deliverMemberEvent(h, chatId, 'added', [{ openId }]);
    h.fake.addUser({ openId, name });
    return openId;
  };
  const learntName = (openId: string) =>
    waitFor(`the name of ${openId}`, async () => {
      await h.settle();
      const [p] = await queryRows<{ name: string }>(
        h.db.db,
        sql`select name from people where open_id = ${openId}`,
      );
      return p?.name;
    });

  it('a task tapped on the first card after a colleague filed the photos from a copy: who filed them where, and whom to ask', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, first);
    // The officer asks for what waits; 选任务 sends the card again under the photo; a colleague files it there.
    const list = await sayToBot(h, { chatId, sender: org.officer, text: '未归档' });
    const again = await tap(org.officer, buttonOf(list.content, '选任务'), list.messageId);
    expect(again.toast.content).toBe('已在原消息下面发出选择卡片');
    const copy = await waitFor(
      'the card sent again',
      () => h.fake.sentMessages().filter((m) => m.replyTo === first)[1],
    );
    const zhang = await colleague('张会计');
    const byColleague = await tap(zhang, buttonOf(copy.content, '村两委会议记录'), copy.messageId);
    expect(byColleague.toast.type).toBe('success');
    expect(await learntName(zhang)).toBe('张会计');

    const filed = await liveTasks();
    // The officer, on the first card (still showing the tasks on their phone), taps another task.
    const late = await tap(org.officer, buttonOf(ack.content, '重要会议现场照片'), ack.messageId);
    // Before: 「已交到「C03 …」」, read as this tap having filed it to C03, and the card repeated it in
    // place of the task's count; its 「请先撤销」 (skip, reopen) led to a 确定撤销？ the officer may not confirm.
    expect(late.toast).toEqual({
      type: 'info',
      content:
        '这组材料已经由张会计交到「C03 村两委会议记录及签到表」，如要改动，请提交人张会计点「撤销」后重新提交，或请档案员更正',
    });
    const card = replyText({ msgType: 'interactive', content: late.card!.data } as never);
    expect(card).toContain('要2份，交了1份，还差1份');
    expect(card).toContain('提交人：张会计');
    expect(await liveTasks()).toEqual(filed);

    // 撤销 on that card is the filer's or an archivist's: the officer is told whom to ask at once,
    // not asked 确定撤销？ first and then refused.
    const undo = await tap(org.officer, buttonOf(late.card!.data, '撤销'), ack.messageId);
    expect(undo.toast).toEqual({
      type: 'info',
      content: '只有提交人或档案员可以撤销，请提交人张会计点「撤销」后重新提交，或请档案员更正',
    });
    expect(JSON.stringify(undo.card?.data)).not.toContain('确定撤销');
    expect(replyText({ msgType: 'interactive', content: undo.card!.data } as never)).toContain(
      '提交人：张会计',
    );
    // The filer themself still can, from the same card.
    const own = await tap(zhang, buttonOf(late.card!.data, '撤销'), ack.messageId);
    expect(JSON.stringify(own.card?.data)).toContain('确定撤销');
  });

  it('「待交」 is what is still missing (as 缺什么), not 「没有听懂」', async () => {
    const ask = async (text: string) => replyText(await sayToBot(h, { chatId, sender: org.officer, text }));
    const missing = await ask('缺什么');
    expect(missing).not.toContain('没有听懂');
    expect(await ask('待交')).toBe(missing);
  });
});
