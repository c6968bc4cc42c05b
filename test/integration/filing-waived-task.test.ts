import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importHouseholds } from '../../src/usecases/import-units.js';
import { waiveTask } from '../../src/usecases/waive-task.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons, cardMenus } from '../support/cards.js';
import { postPhoto, postText, replyAfterQuiet, type TapAnswer } from '../support/chat-photos.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { tapCard } from '../support/chat-actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * A task waived (免交) after a burst's card went out: the card still offered it. A tap on it then
 * answered only 「…已免交，不用再交材料」 in red and left the card as it was, button and all, so the
 * officer tapped it again, or took it to mean the photos were not wanted.
 */
describe('a task waived after the filing card was sent', () => {
  let h: Harness;
  let org: SeededOrg;
  const clock = new ManualClock(awakeNow());
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'W', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const tap = (value: Record<string, unknown>, messageId: string): Promise<TapAnswer> =>
    tapCard(h, { operator: org.officer, value, chatId, messageId });
  const taskCode = async (taskId: number) =>
    (await queryRows<{ code: string }>(h.db.db, sql`select code from tasks where id = ${taskId}`))[0]!.code;
  const liveItems = async () =>
    (
      await queryRows<{ n: number }>(
        h.db.db,
        sql`select count(*)::int as n from filing_items where chat_id = ${chatId} and undone_at is null`,
      )
    )[0]!.n;

  it('a tap on it says plainly that it is waived and what to do, and the card comes back without it', async () => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, photo);
    const offered = cardButtons(ack.content).find((b) => b.value.a === 'file')!;
    const code = await taskCode(offered.value.t);

    // The archivist waives that task on the server meanwhile.
    const waived = await cliInProcess(
      ['archive', 'waive', '--unit', org.village, '--task', code, '--reason', '本年度未开展'],
      { DATA_DIR: h.dataDir },
      h.db,
    );
    expect(waived.code, waived.stderr).toBe(0);

    const answer = await tap(offered.value, ack.messageId);
    // Not an error the officer made: said as information, naming the task and the next step.
    expect(answer.toast.type).toBe('info');
    expect(answer.toast.content).toContain(code);
    expect(answer.toast.content).toContain('已免交');
    expect(answer.toast.content).toContain('请另选任务');
    expect(answer.toast.content).toContain('不用交');
    // The card is drawn again as it is now: the waived task is no longer offered; the others are.
    const card = answer.card!.data;
    const buttons = cardButtons(card);
    expect(buttons.filter((b) => b.value.t === offered.value.t)).toEqual([]);
    expect(JSON.stringify(card)).toContain('已免交');
    expect(buttons.some((b) => b.value.a === 'skip')).toBe(true);
    expect(await liveItems()).toBe(0);

    // Another task on the card drawn again files the photo with one tap.
    const other = buttons.find((b) => b.value.a === 'file')!;
    const filed = await tap(other.value, ack.messageId);
    expect(filed.toast.type).toBe('success');
    expect(await liveItems()).toBe(1);
  });

  it('#C02 in the caption naming a waived task: the card says it is waived instead of leaving it out without a word', async () => {
    const waived = await cliInProcess(
      ['archive', 'waive', '--unit', org.village, '--task', 'C02', '--reason', '本年度无上级文件'],
      { DATA_DIR: h.dataDir },
      h.db,
    );
    expect(waived.code, waived.stderr).toBe(0);
    const before = await liveItems();
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '#C02 县里的通知' });
    const ack = await replyAfterQuiet(h, clock, photo);
    const text = JSON.stringify(ack.content);
    expect(text).toContain('C02');
    expect(text).toContain('已免交，不用再交。请另选任务；都不是就点「不用交」。');
    expect(cardButtons(ack.content).some((b) => b.value.a === 'skip')).toBe(true);
    expect(await liveItems()).toBe(before);
  });

  it('a household whose tasks were all waived meanwhile: its menu choice says so, and the card comes back without it', async () => {
    await importHouseholds(
      { db: h.db.db, clock },
      {
        text: [
          'village_code,code,head_name,group_name',
          `${org.village},01,张三,一组`,
          `${org.village},02,李四,一组`,
        ].join('\n'),
        fileName: 'households.csv',
      },
    );
    await createCampaign(campaignDeps({ db: h.db.db, clock }), {
      checklistCode: 'household-jzfp',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      unitCodes: [org.village],
      createdBy: 'cli',
      code: 'W-household-2026',
    });
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, photo);
    const menu = cardMenus(ack.content).find((m) => m.value?.a === 'file-household')!;
    const zhang = menu.options.find((o) => o.text.startsWith('张三户'))!;

    // Every task of 张三户 is waived on the server after the card went out (the household moved away).
    const tasks = await queryRows<{ id: number }>(
      h.db.db,
      sql`select t.id::int as id from tasks t where t.household_id = ${Number(zhang.value)}`,
    );
    expect(tasks.length).toBeGreaterThan(0);
    for (const t of tasks)
      await waiveTask(
        { db: h.db.db, clock },
        { taskId: t.id, actorOpenId: 'cli', reason: '已迁出', source: 'cli' },
      );

    const answer: TapAnswer = await tapCard(h, {
      operator: org.officer,
      value: menu.value,
      option: zhang.value,
      chatId,
      messageId: ack.messageId,
    });
    // It used to be a red 「这一户没有待交的任务」 with the card unchanged, 张三户 still in its menu.
    expect(answer.toast).toEqual({
      type: 'info',
      content: '这一户的任务都已免交，不用再交。请另选任务；都不是就点「不用交」。',
    });
    const again = cardMenus(answer.card!.data).find((m) => m.value?.a === 'file-household')!;
    expect(again.options.map((o) => o.text).some((t) => t.startsWith('张三户'))).toBe(false);
    expect(again.options.map((o) => o.text).some((t) => t.startsWith('李四户'))).toBe(true);
    expect(cardButtons(answer.card!.data).some((b) => b.value.a === 'skip')).toBe(true);
  });
});
