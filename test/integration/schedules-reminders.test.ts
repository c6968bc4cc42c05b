import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { findBotMessage } from '../../src/db/repos/bot-messages.js';
import { getUnitByCode, updateUnitSettings } from '../../src/db/repos/units.js';
import { listScheduleRuns } from '../../src/db/repos/schedule-runs.js';
import { tapCard } from '../support/chat-actions.js';
import { messageEvent } from '../support/events.js';
import { cardButtons } from '../support/cards.js';
import { jpeg } from '../support/photos.js';
import { waitFor } from '../support/wait-for.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/** Daily reminders and escalations on the Chinese working-day calendar (issue 5). */
describe('scheduled reminders', () => {
  let w: SchedulesWorld;
  let V1: string;
  let V2: string;
  const text = (m: { content: unknown }) => JSON.stringify(m.content);
  const allChats = () => [w.chats.village1, w.chats.village2, w.chats.township];
  // A leader's direct messages but the week's digest (a run after a digest day that had none sends it).
  const escalationsTo = (openId: string) => w.sentTo(openId).filter((m) => !text(m).includes('进度周报'));
  /** The reminders replied to below: one naming C04 and C05 (11-25), one naming C04 alone (11-30). */
  let twoTaskReminder: string;
  let oneTaskReminder: string;
  /** The officer's message in village 1's chat, as a reply to `parentId`; a file's bytes held by the fake Lark. */
  const replyTo = async (
    parentId: string,
    m: { msgType: string; content: Record<string, unknown>; bytes?: Buffer },
  ) => {
    const messageId = `om_${Math.random().toString(36).slice(2)}${Date.now()}`;
    const key = m.content.image_key ?? m.content.file_key;
    if (m.bytes) w.h.fake.addResource({ messageId, fileKey: String(key), bytes: m.bytes });
    const res = await w.h.post(
      messageEvent({
        appId: w.h.fake.appId,
        chatId: w.chats.village1,
        messageId,
        senderOpenId: w.org.officer,
        msgType: m.msgType,
        content: m.content,
        parentId,
        createTimeMs: w.clock.now().getTime(),
      }),
    );
    expect(res.status).toBe(200);
    return messageId;
  };
  /** The bot's answer to `messageId` (a burst's first message), the quiet window passed on the test clock. */
  const answerTo = (messageId: string) =>
    waitFor(
      `the answer to ${messageId}`,
      async () => {
        await w.h.settle();
        const m = w.h.fake.sentMessages().find((x) => x.replyTo === messageId);
        if (!m) w.clock.advance(1_000);
        return m;
      },
      { timeoutMs: 20_000, everyMs: 100 },
    );
  /** The filing of the burst holding `messageId`'s file, if any (undone or not). */
  const filingOf = async (messageId: string) =>
    (
      await queryRows<{ task_id: number; via: string; kind: string; n_audio: number }>(
        w.h.db.db,
        sql`select fi.task_id::int as task_id, fi.via, fi.kind, fi.n_audio::int as n_audio from filing_items fi
            where fi.burst_id = (select burst_id from materials where message_id = ${messageId} limit 1)`,
      )
    )[0];

  beforeAll(async () => {
    w = await schedulesWorld('RM', '2026-09-30T07:00:00+08:00');
    V1 = w.org.village;
    V2 = `RM12`;
    // C03 of village 1 is overdue from 2026-09-25 (a Friday) on.
    await w.setDue(V1, 'C03', '2026-09-25');
    w.h.fake.addChat({
      chatId: w.chats.village1,
      name: '城关村工作群',
      members: [{ openId: w.org.officer, name: '王村官' }],
    });
  });
  afterAll(() => w?.close());

  it('sends nothing on a public holiday (2026-10-01, 国庆节)', async () => {
    await w.runAt('2026-10-01T09:00:00+08:00');
    for (const chat of allChats()) expect(w.sentTo(chat)).toHaveLength(0);
    const run = (await listScheduleRuns(w.h.db.db, 'daily-reminders')).find(
      (r) => r.slot.getTime() === new Date('2026-10-01T09:00:00+08:00').getTime(),
    );
    expect(run).toMatchObject({ status: 'done', outcome: { skipped: 'not a working day (国庆节)' } });
  });

  it('sends on a 调休 Saturday (2026-10-10) and not on an ordinary Saturday (2026-10-17)', async () => {
    await w.runAt('2026-10-10T09:00:00+08:00');
    const sent = w.sentTo(w.chats.village1);
    expect(sent).toHaveLength(1);
    expect(text(sent[0]!)).toContain('村两委会议记录及签到表');
    expect(text(sent[0]!)).toContain('还缺 2 份材料（文件或照片）');
    expect(w.sentTo(w.chats.village2)).toHaveLength(0);
    expect(w.sentTo(w.chats.township)).toHaveLength(0);
    // Six working days late (09-28 … 10-10, the holiday not counted): the township leader hears of it.
    expect(escalationsTo(w.townshipLeader)).toHaveLength(1);
    expect(text(escalationsTo(w.townshipLeader)[0]!)).toContain('逾期 6 个工作日');
    expect(escalationsTo(w.org.leader)).toHaveLength(0);

    await w.runAt('2026-10-17T09:00:00+08:00');
    expect(w.sentTo(w.chats.village1)).toHaveLength(1);
  });

  it('on a working day at 09:00 sends one reminder per chat with due work, @owners, and none elsewhere', async () => {
    await w.setDue(V1, 'C03', '2027-06-30');
    const c04 = await w.setDue(V1, 'C04', '2026-11-24'); // overdue by 1 day
    const c05 = await w.setDue(V1, 'C05', '2026-11-27'); // due within 3 days
    await w.setDue(V1, 'C06', '2026-11-29'); // due in 4 days: not yet
    const before = w.sentTo(w.chats.village1).length;
    const dms = escalationsTo(w.townshipLeader).length + escalationsTo(w.org.leader).length;
    await w.runAt('2026-11-25T09:00:00+08:00');
    await w.runAt('2026-11-25T09:00:00+08:00'); // a double tick
    await w.runAt('2026-11-25T09:05:00+08:00'); // a later tick the same day
    const sent = w.sentTo(w.chats.village1).slice(before);
    expect(sent).toHaveLength(1);
    const card = text(sent[0]!);
    expect(card).toContain(`<at id=${w.org.officer}></at>`);
    expect(card).toContain('#C04');
    expect(card).toContain('已逾期 1 天');
    expect(card).toContain('#C05');
    expect(card).toContain('还缺 3 张照片');
    expect(card).not.toContain('#C06');
    expect(card).toContain('回复这条消息');
    expect(w.sentTo(w.chats.village2)).toHaveLength(0);
    expect(w.sentTo(w.chats.township)).toHaveLength(0);
    // A reply to it files to its tasks (present-burst looks the message up).
    const recorded = await findBotMessage(w.h.db.db, sent[0]!.messageId);
    twoTaskReminder = sent[0]!.messageId;
    expect(recorded).toMatchObject({ purpose: 'reminder', chatId: w.chats.village1, taskIds: [c04, c05] });
    // Nothing escalated: one working day late.
    expect(escalationsTo(w.townshipLeader).length + escalationsTo(w.org.leader).length).toBe(dms);
  });

  it('escalates past N working days to the township leaders and past M to the county', async () => {
    const c06 = await w.setDue(V2, 'C06', '2026-11-19'); // 5 working days late on 11-26 (> N = 3)
    const c07 = await w.setDue(V2, 'C07', '2026-11-06'); // 14 working days late (> M = 10)
    await w.setDue(V2, 'C08', '2026-11-20'); // exactly 4 > 3 → township too
    await w.setDue(V2, 'C09', '2026-11-23'); // 3 = N: not escalated
    await w.runAt('2026-11-26T09:00:00+08:00');

    const town = escalationsTo(w.townshipLeader).slice(1);
    expect(town).toHaveLength(1);
    expect(town[0]!.receiveIdType).toBe('open_id');
    const t = text(town[0]!);
    expect(t.indexOf('#C07')).toBeGreaterThan(-1);
    expect(t.indexOf('#C07')).toBeLessThan(t.indexOf('#C06')); // oldest first
    expect(t).toContain('#C08');
    expect(t).not.toContain('#C09');
    expect(t).toContain('逾期 14 个工作日');
    // Its count is of the tasks past the threshold, and says so: the township page 查看全部 opens
    // lists every overdue task (C04 one day late, C09 three days: five in all).
    expect(t).toContain('逾期超过 3 个工作日仍未交齐的 **3** 项（共逾期 5 项）');
    const county = escalationsTo(w.org.leader);
    expect(county).toHaveLength(1);
    expect(text(county[0]!)).toContain('逾期超过 10 个工作日仍未交齐的 **1** 项（共逾期 5 项）');
    expect(text(county[0]!)).toContain('#C07');
    expect(text(county[0]!)).not.toContain('#C06');
    const rec = await findBotMessage(w.h.db.db, county[0]!.messageId);
    expect(rec).toMatchObject({ purpose: 'escalation', taskIds: [c07] });
    expect((await findBotMessage(w.h.db.db, town[0]!.messageId))?.taskIds.sort((a, b) => a - b)).toEqual(
      expect.arrayContaining([c06, c07]),
    );
    // Village 2 now has due work too: its chat got its own reminder, without mentions (no officer).
    expect(w.sentTo(w.chats.village2)).toHaveLength(1);
    expect(text(w.sentTo(w.chats.village2)[0]!)).not.toContain('<at id=');
  });

  it("查看全部 and the escalation's unit buttons send that unit's detail into the chat; others are refused", async () => {
    const tap = (operator: string, value: unknown, chatId: string) =>
      tapCard(w.h, { operator, value: value as any, chatId });
    const detailIn = (chatId: string, title: string) =>
      waitFor(`${title} in ${chatId}`, () =>
        w.sentTo(chatId).find((m) => text(m).includes(title) && text(m).includes('明细')),
      );

    // The village chat's reminder: 查看全部 (no web pages here) sends the village's detail, for anyone there.
    const [reminder] = w.sentTo(w.chats.village1);
    const all = cardButtons(reminder!.content).find((b) => b.text === '查看全部')!;
    expect(all.value.a).toBe('unit-detail');
    const answer = await tap('ou_member_without_role', all.value, w.chats.village1);
    expect(answer.toast.type).toBe('success');
    const village = text(await detailIn(w.chats.village1, '城关村 · 明细'));
    expect(village).toContain('还没交齐');
    expect(village).toContain('逾期');
    expect(village).not.toMatch(/npm run|\d,\d{3}/);

    // The township leader's escalation: 查看全部 (the township: every village, worst first) and a button
    // for the village its lines name; tapped in a chat bound to no unit (here the leader's direct chat
    // with the bot), the detail comes to the leader by direct message.
    const dm = 'oc_dm_township_leader';
    // (The escalation of the test before, about village 2; the leader's earlier messages name others.)
    const escalation = w
      .sentTo(w.townshipLeader)
      .find((m) => text(m).includes('逾期未交齐') && text(m).includes('#C07'))!;
    const buttons = cardButtons(escalation.content);
    const v2 = (await getUnitByCode(w.h.db.db, V2))!;
    // (and 督办 for that village: schedules-escalation-urge.test.ts)
    expect(buttons.map((b) => b.text)).toEqual(['查看全部', v2.name, `督办 ${v2.name}`]);
    expect((await tap(w.townshipLeader, buttons[0]!.value, dm)).toast.type).toBe('success');
    const township = text(await detailIn(w.townshipLeader, '· 明细'));
    expect(township).toContain('下级单位（2 个，完成率从低到高）');
    expect(township).toContain('城关村');
    expect((await tap(w.townshipLeader, buttons[1]!.value, dm)).toast.type).toBe('success');
    await detailIn(w.townshipLeader, `${buttons[1]!.text} · 明细`);

    // The village officer may not read the township; nobody reads a unit through a forged value.
    const refused = await tap(w.org.officer, buttons[0]!.value, 'oc_dm_officer');
    expect(refused.toast.type).toBe('error');
    expect(refused.toast.content).toContain('不能查看');
    expect((await tap(w.org.officer, { a: 'unit-detail', u: 'x' }, 'oc_dm_officer')).toast.type).toBe(
      'error',
    );
    await w.h.settle();
    expect(w.sentTo('oc_dm_officer')).toHaveLength(0);
  });

  it('honours the per-unit off switch (settings.reminders === false)', async () => {
    const v2 = (await getUnitByCode(w.h.db.db, V2))!;
    await updateUnitSettings(w.h.db.db, v2.id, { reminders: false }, w.clock.now());
    const before = {
      v1: w.sentTo(w.chats.village1).length,
      v2: w.sentTo(w.chats.village2).length,
      town: escalationsTo(w.townshipLeader).length,
      county: escalationsTo(w.org.leader).length,
    };
    await w.runAt('2026-11-27T09:00:00+08:00');
    expect(w.sentTo(w.chats.village1).length).toBe(before.v1 + 1);
    expect(w.sentTo(w.chats.village2).length).toBe(before.v2);
    expect(escalationsTo(w.townshipLeader).length).toBe(before.town);
    expect(escalationsTo(w.org.leader).length).toBe(before.county);
    const [sends] = await queryRows<{ n: number }>(
      w.h.db.db,
      sql`select count(*)::int as n from scheduled_sends where period = '2026-11-27'`,
    );
    expect(sends?.n).toBe(1);
  });

  it('files a photo sent in reply to a one-task reminder straight to that task', async () => {
    await w.setDue(V1, 'C05', '2027-06-30');
    await w.setDue(V1, 'C06', '2027-06-30');
    const c04 = await w.taskId(V1, 'C04');
    const before = w.sentTo(w.chats.village1).length;
    await w.runAt('2026-11-30T09:00:00+08:00');
    const reminder = w.sentTo(w.chats.village1)[before]!;
    expect(JSON.stringify(reminder.content)).toContain('#C04');
    expect(JSON.stringify(reminder.content)).not.toContain('#C05');
    oneTaskReminder = reminder.messageId;

    const messageId = `om_reply_${Date.now()}`;
    w.h.fake.addResource({
      messageId,
      fileKey: 'img_reply',
      bytes: await jpeg(7),
      contentType: 'image/jpeg',
    });
    const res = await w.h.post(
      messageEvent({
        appId: w.h.fake.appId,
        chatId: w.chats.village1,
        messageId,
        senderOpenId: w.org.officer,
        msgType: 'image',
        content: { image_key: 'img_reply' },
        parentId: reminder.messageId,
        createTimeMs: w.clock.now().getTime(),
      }),
    );
    expect(res.status).toBe(200);
    const filed = await waitFor(
      'the reply to be filed',
      async () => {
        w.clock.advance(1_000); // the burst's quiet window passes on the manual clock
        const [r] = await queryRows<{ task_id: number; via: string }>(
          w.h.db.db,
          sql`select task_id::int as task_id, via from filing_items where chat_id = ${w.chats.village1}`,
        );
        return r;
      },
      { timeoutMs: 20_000, everyMs: 200 },
    );
    expect(filed).toEqual({ task_id: c04, via: 'reply' });
  });

  it('does not file a voice note sent in reply to a one-task reminder the task does not count: the card asks', async () => {
    // The officer answers the C04 reminder by voice (「收到，明天补」); C04 counts documents and photos.
    const opus = readFileSync(new URL('../fixtures/audio/lark-voice-note.opus', import.meta.url));
    const voice = await replyTo(oneTaskReminder, {
      msgType: 'audio',
      content: { file_key: 'au_reply_voice', duration: 3000 },
      bytes: opus,
    });
    const card = await answerTo(voice);
    // Before: filed into C04 at once (filing_items via 'reply', kind document, n_audio 1).
    expect(await filingOf(voice)).toBeUndefined();
    const shown = text(card);
    expect(shown).toContain('语音不计入「C04 村民代表大会评议、票决记录及签字」');
    expect(cardButtons(card.content).some((b) => b.value.a === 'file')).toBe(true);
    expect(cardButtons(card.content).some((b) => b.value.a === 'skip')).toBe(true);
  });

  it('files by a #code in a reply to a reminder of several tasks (「也可以在说明里写 #编号」)', async () => {
    const c05 = await w.taskId(V1, 'C05');
    const caption = await replyTo(twoTaskReminder, { msgType: 'text', content: { text: '#C05' } });
    const photo = await replyTo(twoTaskReminder, {
      msgType: 'image',
      content: { image_key: 'img_reply_c05' },
      bytes: await jpeg(11),
    });
    await answerTo(photo);
    // Before: the card with C04 and C05 to choose from, nothing filed.
    expect(await filingOf(photo)).toMatchObject({ task_id: c05, via: 'code' });
    expect(w.h.fake.sentMessages().find((m) => m.replyTo === caption)).toBeUndefined();
  });
});
