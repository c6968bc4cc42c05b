import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { CARD_AGAIN } from '../../src/cards/actions.js';
import { queryRows } from '../../src/db/client.js';
import { importHouseholds } from '../../src/usecases/import-units.js';
import { waiveTask } from '../../src/usecases/waive-task.js';
import { buttonValue, cardButtons, cardMenus } from '../support/cards.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { replyText } from './capture-helpers.js';
import {
  bindAfterMaterialsCame,
  giveTasks,
  noTaskVillage,
  splitsOf,
  waiveAllTasks,
} from './no-task-village.js';
import type { SchedulesWorld } from './schedules-world.js';

/** What the officer of a village whose tasks are all waived is told wherever there is nothing to choose. */
const NOTHING_TO_CHOOSE =
  '本单位的任务都已免交，没有可选的任务，材料已保存好。如果是某项任务的材料，请档案员恢复这项任务，恢复后就能选任务。';
const ON_THE_CARD =
  '本单位的任务都已免交，没有可选的任务，材料已保存好。不用交的材料点「不用交」；如果是某项任务的材料，请档案员恢复这项任务，再发送「@归档助手 未归档」选任务。';

/**
 * A village given its 任务清单 whose tasks were all waived (免交) since. It was told, as a village before its
 * first list, 「本单位还没有要交材料的任务…要等县里给本单位下发任务清单」: its officer waited for a list that
 * had come. Now each place says the tasks are waived, what 不用交 is for, and that the archivist restores a task.
 */
describe('a village whose tasks were all waived', () => {
  let w: SchedulesWorld;
  let chatId: string;
  const code = 'AW13';
  let waived = 0;
  beforeAll(async () => {
    ({ w, chatId } = await noTaskVillage('AW', code));
    await giveTasks(w, code);
    waived = await waiveAllTasks(w, code);
  });
  afterAll(() => w?.close());

  /** The archivist restores one of the village's tasks (`archive waive --reopen`). */
  const restoreOneTask = async () => {
    const [one] = await queryRows<{ id: number }>(
      w.h.db.db,
      sql`select t.id::int as id from tasks t join units u on u.id = t.unit_id where u.code = ${code} limit 1`,
    );
    await waiveTask(
      { db: w.h.db.db, clock: w.clock },
      { taskId: one!.id, actorOpenId: 'cli', reason: '', source: 'cli', waive: false },
    );
  };
  const ask = (words: string) =>
    sayToBot(w.h, { chatId, sender: w.org.officer, text: words, createTimeMs: w.clock.now().getTime() });

  it('a photo: the card says the tasks are all waived, what 不用交 is for and whom to ask, not to wait for a 任务清单', async () => {
    expect(waived).toBeGreaterThan(0);
    const photo = await postPhoto(w.h, { chatId, sender: w.org.officer });
    const card = await replyAfterQuiet(w.h, w.clock, photo);
    // Before: 「本单位还没有要交材料的任务，材料已保存好。任务下发后，我会再发选择卡片…」
    expect(replyText(card)).toContain(ON_THE_CARD);
    expect(replyText(card)).not.toContain('任务下发后');
    expect(cardButtons(card.content).map((b) => b.text)).toEqual(['不用交']);
  });

  it('未归档, its 选任务 and 帮助 say the same; once the archivist restores a task, 选任务 is back', async () => {
    const photo = await postPhoto(w.h, { chatId, sender: w.org.officer });
    const card = await replyAfterQuiet(w.h, w.clock, photo);
    const burst = buttonValue(card.content, 'skip').b;
    // Before: 「…要等县里给本单位下发任务清单后才能选任务（可以问问档案员），下发后我会再发选择卡片。」
    const list = await ask('未归档');
    expect(replyText(list)).toContain('组材料没交到任务里。' + NOTHING_TO_CHOOSE);
    expect(replyText(list)).not.toContain('任务清单');
    expect(cardButtons(list.content)).toEqual([]);
    const tap = await tapCard(w.h, {
      operator: w.org.officer,
      value: CARD_AGAIN.value({ b: burst }),
      chatId,
      messageId: list.messageId,
    });
    expect(tap.toast).toEqual({ type: 'info', content: NOTHING_TO_CHOOSE });

    const help = JSON.stringify((await ask('帮助')).content);
    expect(help).toContain(
      '我会自动保存原件并登记。本单位的任务都已免交，现在不用交材料。发到群里的材料都会保存好；如果是某项任务的材料，请档案员恢复这项任务。',
    );
    expect(help).not.toContain('任务清单');

    // The archivist restores one (`archive waive --reopen`): 未归档 offers 选任务 again, as the card said.
    await restoreOneTask();
    expect(cardButtons((await ask('未归档')).content).map((b) => b.text)).toContain('选任务');
    await waiveAllTasks(w, code);
  });

  it('分开交 on a card drawn before the last task was waived says the same, and splits nothing', async () => {
    await restoreOneTask();
    const first = await postPhoto(w.h, { chatId, sender: w.org.officer });
    await postPhoto(w.h, { chatId, sender: w.org.officer });
    const card = await replyAfterQuiet(w.h, w.clock, first);
    const split = buttonValue(card.content, 'split');
    await waiveAllTasks(w, code);
    const tap = await tapCard(w.h, {
      operator: w.org.officer,
      value: split,
      chatId,
      messageId: card.messageId,
    });
    expect(tap.toast).toEqual({ type: 'error', content: NOTHING_TO_CHOOSE });
    expect(await splitsOf(w, split.b)).toBe(0);
  });

  it('bound after materials came: the bound card says the same, and sends no card without a task', async () => {
    const { bound, photo } = await bindAfterMaterialsCame(w, code);
    expect(JSON.stringify(bound.card!.data)).toContain(
      '绑定前发到本群的 **1** 组材料还没交到任务里。' + NOTHING_TO_CHOOSE,
    );
    await w.h.settle();
    expect(w.h.fake.sentMessages().filter((m) => m.replyTo === photo)).toHaveLength(1);
  });

  it('任务 and 缺什么 say every task is waived, with the count, neither 「还没有任务清单」 nor 「都已齐全」', async () => {
    for (const words of ['任务', '缺什么']) {
      const answer = replyText(await ask(words));
      // Before: 「没有未完成的任务 👍」 and 「所有任务的材料都已齐全 👍」 (nothing was handed in).
      expect(answer).toContain(`本单位的任务都已免交，不用再交材料（共 ${waived} 项）。`);
      expect(answer).not.toContain('齐全');
      expect(answer).not.toContain('任务清单');
    }
  });
});

/**
 * 一户一档: a village whose only open tasks were one household's. That household's tasks waived after the
 * card went out, its menu choice answered 「这一户的任务都已免交，不用再交。请另选任务；都不是就点「不用交」。」
 * over a card with no other task on it.
 */
describe('a household whose tasks were the village’s last open ones, waived after the card went out', () => {
  let w: SchedulesWorld;
  let chatId: string;
  const code = 'AH13';
  beforeAll(async () => {
    ({ w, chatId } = await noTaskVillage('AH', code));
    await importHouseholds(
      { db: w.h.db.db, clock: w.clock },
      {
        text: ['village_code,code,head_name,group_name', `${code},01,张三,一组`].join('\n'),
        fileName: 'households.csv',
      },
    );
    await giveTasks(w, code, 'household-jzfp');
  });
  afterAll(() => w?.close());

  it('its menu choice says there is no other task, and the card drawn again says what the materials need', async () => {
    const photo = await postPhoto(w.h, { chatId, sender: w.org.officer });
    const card = await replyAfterQuiet(w.h, w.clock, photo);
    const menu = cardMenus(card.content).find((m) => m.value?.a === 'file-household')!;
    const zhang = menu.options.find((o) => o.text.startsWith('张三户'))!;
    expect(await waiveAllTasks(w, code)).toBeGreaterThan(0);
    const answer = await tapCard(w.h, {
      operator: w.org.officer,
      value: menu.value,
      option: zhang.value,
      chatId,
      messageId: card.messageId,
    });
    expect(answer.toast).toEqual({
      type: 'info',
      content: '这一户的任务都已免交，不用再交。本单位没有别的任务可选了。',
    });
    const redrawn = JSON.stringify(answer.card!.data);
    expect(redrawn).toContain(ON_THE_CARD);
    expect(redrawn).not.toContain('请另选任务');
    expect(cardMenus(answer.card!.data)).toEqual([]);
    expect(cardButtons(answer.card!.data).map((b) => b.text)).toEqual(['不用交']);
  });
});
