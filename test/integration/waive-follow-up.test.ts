import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { queryRows } from '../../src/db/client.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importHouseholds } from '../../src/usecases/import-units.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { cardButtons } from '../support/cards.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * 免交 / 恢复任务, from any path (the command in a direct chat or in the village group, 免交 on a correction
 * card, `archive waive`), bring the village chat up to date: the filed cards of the task say it is waived
 * instead of 还差, the cards still waiting stop offering it (and offer it again once restored), its
 * 「任务 C03」 card no longer asks for a reply, and the village hears one line when it was done elsewhere.
 * Before, each of them stayed as drawn. Webhook in, the real SDK against the fake Lark, a real database.
 */
describe('what follows a 免交 or 恢复任务', () => {
  // A working morning: the line to the village waits out schedules.yaml's quiet hours (20:00–08:00).
  const clock = new ManualClock('2026-12-03T10:00:00+08:00');
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const direct = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'WF', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  const clickDirect = (...a: TapArgs) => tapIn(h, direct, ...a);
  /** Someone writes to the bot: in the village group, or (`p2p`) in a direct chat. */
  const say = async (sender: string, text: string, where: 'group' | 'p2p' = 'group') =>
    sayToBot(h, {
      chatId: where === 'group' ? chatId : direct,
      sender,
      text,
      ...(where === 'p2p' ? { chatType: 'p2p' as const } : {}),
    });
  const replyOf = async (...a: Parameters<typeof say>) =>
    ((await say(...a)).content as { text: string }).text;
  const codeOf = async (taskId: number) =>
    (await queryRows<{ code: string }>(h.db.db, sql`select code from tasks where id = ${taskId}`))[0]!.code;
  /** The task ids a filing card offers as buttons. */
  const offered = (card: unknown) =>
    cardButtons(card)
      .filter((b) => b.value?.a === 'file')
      .map((b) => Number(b.value.t));
  /** The newest patch of a message after `since` patches, once one satisfies `ok`. */
  const patchedAfter = (since: number, messageId: string, what: string, ok: (s: string) => boolean) =>
    waitFor(what, () => {
      const p = h.fake
        .patches()
        .slice(since)
        .filter((x) => x.messageId === messageId)
        .at(-1);
      return p && ok(JSON.stringify(p.content)) ? p.content : undefined;
    });
  /** Texts the bot sent into the village group by itself (no reply to anything). */
  const villageLines = () =>
    h.fake
      .sentMessages()
      .filter((m) => m.receiveId === chatId && m.msgType === 'text' && !m.replyTo)
      .map((m) => (m.content as { text: string }).text);

  /** The officer posts a photo; its card. Filed (`file`) through the card's first task. */
  const postOne = async (file: boolean) => {
    const ack = await replyAfterQuiet(h, clock, await postPhoto(h, { chatId, sender: org.officer }));
    if (!file) return { card: ack.messageId, content: ack.content as unknown, taskId: 0, fix: {} };
    const value = actionValue(ack.content, 'file');
    const filed = await click(org.officer, value, { messageId: ack.messageId });
    expect(filed.toast.type).toBe('success');
    return {
      card: ack.messageId,
      content: filed.card.data as unknown,
      taskId: Number(value.t),
      fix: actionValue(filed.card.data, 'fix'),
    };
  };

  it('the county leader waives from a direct chat: every card of the task in the village is drawn again, and the village is told; 恢复任务 draws them back', async () => {
    const filed = await postOne(true);
    const code = await codeOf(filed.taskId);
    expect(JSON.stringify(filed.content)).toContain('还差');
    const waiting = await postOne(false);
    expect(offered(waiting.content)).toContain(filed.taskId);
    const taskCard = await say(org.officer, `任务 ${code}`);
    expect(JSON.stringify(taskCard.content)).toContain('回复本卡片');

    const before = h.fake.patches().length;
    expect(await replyOf(org.leader, `免交 城关村 ${code} 本年度不开展`, 'p2p')).toMatch(
      /已设为免交（本年度不开展）/,
    );
    await h.settle();
    // The filed card: the task waived, nothing owed (it said 还差).
    const filedNow = await patchedAfter(before, filed.card, 'the filed card drawn as waived', (s) =>
      s.includes('这项任务已免交（本年度不开展），不用再交'),
    );
    expect(JSON.stringify(filedNow)).not.toContain('还差');
    // The card still waiting: the task no longer offered, the other tasks still are.
    const waitingNow = await patchedAfter(before, waiting.card, 'the waiting card drawn again', (s) =>
      s.includes('"a":"file"'),
    );
    expect(offered(waitingNow)).not.toContain(filed.taskId);
    // 「任务 C0x」: waived, no reply asked for (a reply would not file to it now).
    const taskNow = JSON.stringify(
      await patchedAfter(before, taskCard.messageId, 'the task card drawn as waived', (s) =>
        s.includes('已免交'),
      ),
    );
    expect(taskNow).toContain('这项任务已免交：本年度不开展。不用再交。');
    expect(taskNow).not.toContain('回复本卡片');
    // The officers hear it, once.
    const line = await waitFor('the line in the village chat', () =>
      villageLines().find((t) => t.includes('已定为免交')),
    );
    expect(line).toMatch(new RegExp(`^「${code} .+」已定为免交：本年度不开展$`));

    const again = h.fake.patches().length;
    expect(await replyOf(org.leader, `恢复任务 城关村 ${code}`, 'p2p')).toMatch(/已恢复为需归档/);
    await h.settle();
    await patchedAfter(again, filed.card, 'the filed card with its progress again', (s) =>
      s.includes('还差'),
    );
    const offeredAgain = await patchedAfter(again, waiting.card, 'the waiting card offering it again', (s) =>
      offered(JSON.parse(s)).includes(filed.taskId),
    );
    expect(offered(offeredAgain)).toContain(filed.taskId);
    await patchedAfter(again, taskCard.messageId, 'the task card as it was', (s) => s.includes('回复本卡片'));
    const back = await waitFor('the restored line', () => villageLines().find((t) => t.includes('已恢复')));
    expect(back).toMatch(new RegExp(`^「${code} .+」已恢复，请按时交$`));
    expect(villageLines().filter((t) => t.includes('已定为免交'))).toHaveLength(1);
  });

  it('免交 in the village group itself: the cards are drawn again, and the group hears only the reply', async () => {
    const filed = await postOne(true);
    const code = await codeOf(filed.taskId);
    const lines = villageLines().length;
    const before = h.fake.patches().length;
    expect(await replyOf(org.archivist, `免交 ${code} 已合并到乡镇`)).toMatch(/已设为免交（已合并到乡镇）/);
    await h.settle();
    await patchedAfter(before, filed.card, 'the filed card drawn as waived', (s) =>
      s.includes('这项任务已免交（已合并到乡镇）'),
    );
    // Its cards were drawn (the jobs ran): no second word of it in the group.
    expect(villageLines().slice(lines)).toEqual([]);
    await replyOf(org.archivist, `恢复任务 ${code}`);
    await h.settle();
    expect(villageLines().slice(lines)).toEqual([]);
  });

  it("a household's task waived from a direct chat: the village hears it is waived, not the family's reason", async () => {
    await importHouseholds(
      { db: h.db.db, clock },
      {
        text: ['village_code,code,head_name,group_name', `${org.village},07,赵六,二组`].join('\n'),
        fileName: 'households.csv',
      },
    );
    await createCampaign(campaignDeps({ db: h.db.db, clock }), {
      checklistCode: 'household-jzfp',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      unitCodes: [org.village],
      createdBy: 'cli',
      code: 'WF-household-2026',
    });
    const [task] = await queryRows<{ code: string }>(
      h.db.db,
      sql`select t.code from tasks t join households hh on hh.id = t.household_id
          where hh.head_name = '赵六' and 'photo' = any(t.kinds) order by t.position limit 1`,
    );
    // The officer files a photo to it by its code: the filed card in the group.
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: `#${task!.code} 入户照片` });
    const filed = await replyAfterQuiet(h, clock, photo);
    expect(JSON.stringify(filed.content)).toContain(task!.code);

    const before = h.fake.patches().length;
    expect(await replyOf(org.leader, `免交 城关村 ${task!.code} 户主已去世`, 'p2p')).toMatch(
      /已设为免交（户主已去世）/,
    );
    await h.settle();
    const line = await waitFor('the line in the village chat', () =>
      villageLines().find((t) => t.startsWith(`「${task!.code} `) && t.includes('已定为免交')),
    );
    // Every member of the group reads it: a family's reason (a death, a sentence, 低保) is not theirs to.
    expect(line).toMatch(/已定为免交，不用再交$/);
    expect(line).not.toContain('去世');
    // Nor does the filed card the group sees, drawn again as waived.
    const drawn = JSON.stringify(
      await patchedAfter(before, filed.messageId, 'the filed card drawn as waived', (s) =>
        s.includes('已免交'),
      ),
    );
    expect(drawn).toContain('这项任务已免交，不用再交');
    expect(drawn).not.toContain('去世');
    // 「任务 H01-07」 asked now: waived, not 「没有编号为 H01-07 的任务」.
    expect(await replyOf(org.officer, `任务 ${task!.code}`)).toMatch(
      new RegExp(`^「${task!.code} 赵六户 .+」已免交，不用再交。$`),
    );
  });

  it('免交 on a correction card (查 in a direct chat) and `archive waive` from the command line do the same', async () => {
    const filed = await postOne(true);
    const code = await codeOf(filed.taskId);
    const before = h.fake.patches().length;
    const list = (await say(org.archivist, '查 城关村', 'p2p')).content;
    const fix = cardButtons(list).find(
      (b) => b.value?.a === 'fix' && Number(b.value.i) === Number(filed.fix.i),
    )!;
    const opened = await clickDirect(org.archivist, fix.value);
    const res = await clickDirect(org.archivist, actionValue(opened.card.data, 'fix-waive'), {
      formValue: { reason: '本村没有此项' },
    });
    expect(res.toast.type).toBe('success');
    await h.settle();
    await patchedAfter(before, filed.card, 'the filed card drawn as waived', (s) =>
      s.includes('这项任务已免交（本村没有此项），不用再交'),
    );
    await waitFor('the line after the card', () =>
      villageLines().find((t) => t.startsWith(`「${code} `) && t.endsWith('已定为免交：本村没有此项')),
    );

    const again = h.fake.patches().length;
    await runArchiveCommand(['waive', '--unit', org.village, '--task', code, '--reopen'], {
      db: h.db.db,
      env: {},
      out: () => undefined,
    });
    // The command line runs on the real clock: its jobs are due once the bot's test clock has passed it,
    // and its line to the village once the quiet hours it may fall in are over (13 h on: past any 08:00).
    await clock.set(new Date(Math.max(Date.now(), clock.now().getTime()) + 13 * 3600_000));
    await h.settle();
    await patchedAfter(again, filed.card, 'the filed card with its progress again', (s) =>
      /要\d+[张份段]，交了|已交齐/.test(s),
    );
    await waitFor('the line after the command line', () =>
      villageLines().find((t) => t.startsWith(`「${code} `) && t.endsWith('已恢复，请按时交')),
    );
  });
  it('done at 21:00, in the quiet hours: the cards are drawn at once, the line to the village waits until 08:00', async () => {
    const filed = await postOne(true);
    const code = await codeOf(filed.taskId);
    await clock.set(new Date('2026-12-09T21:00:00+08:00'));
    const lines = villageLines().length;
    const before = h.fake.patches().length;
    expect(await replyOf(org.leader, `免交 城关村 ${code} 本年度不开展`, 'p2p')).toMatch(/已设为免交/);
    await h.settle();
    await patchedAfter(before, filed.card, 'the filed card drawn as waived', (s) => s.includes('已免交'));
    await clock.advance(60 * 60_000);
    await h.settle();
    expect(villageLines().slice(lines)).toEqual([]);
    await clock.set(new Date('2026-12-10T08:01:00+08:00'));
    await h.settle();
    const line = await waitFor('the line after the quiet hours', () =>
      villageLines()
        .slice(lines)
        .find((t) => t.includes('已定为免交')),
    );
    expect(line).toMatch(new RegExp(`^「${code} .+」已定为免交：本年度不开展$`));
  });
});
