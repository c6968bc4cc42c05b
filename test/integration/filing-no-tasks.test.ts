import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_AGAIN, SPLIT } from '../../src/cards/actions.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { buttonValue, cardButtons } from '../support/cards.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { waitFor } from '../support/wait-for.js';
import { replyText } from './capture-helpers.js';
import {
  bindAfterMaterialsCame,
  giveTasks,
  noTaskVillage,
  splitsOf,
  waiveAllTasks,
} from './no-task-village.js';
import type { SchedulesWorld } from './schedules-world.js';

/**
 * A village before its first 任务清单 (new this year, not in the campaign yet): what its officer forwards
 * is kept, the card says what happens next, and it is chased only once there is a task to file it to.
 */
describe('materials sent where there is no task yet', () => {
  let w: SchedulesWorld;
  let chatId: string;
  let scheduler: Scheduler;
  const code = 'NT13';
  beforeAll(async () => {
    ({ w, chatId, scheduler } = await noTaskVillage('NT', code));
  });
  afterAll(() => w?.close());

  it('the card says the photo is kept and will be offered again; no daily reminder until a task exists, then it is chased', async () => {
    const photo = await postPhoto(w.h, { chatId, sender: w.org.officer });
    const card = await replyAfterQuiet(w.h, w.clock, photo);
    // Before: 「本单位暂时没有要交材料的任务。」 and 不用交 alone, which stops the chase for good.
    expect(replyText(card)).toContain(
      '本单位还没有要交材料的任务，材料已保存好。任务下发后，我会再发选择卡片，也可以发送「@归档助手 未归档」自己选；不用交的材料点「不用交」。',
    );
    expect(cardButtons(card.content).map((b) => b.text)).toEqual(['不用交']);

    // Wednesday 09:00: the photo waited a working day. Before: a 「交材料提醒」 every working day,
    // 「还有 1 组材料没交到任务里」, and the card again with no task to choose.
    await w.runAt('2026-11-25T09:00:00+08:00', scheduler);
    expect(w.sentTo(chatId)).toEqual([]);
    expect(w.h.fake.sentMessages().filter((m) => m.replyTo === photo)).toHaveLength(1);

    // The county gives the village its 任务清单: the next reminder chases the photo, its card offering the tasks.
    await giveTasks(w, code);
    await w.runAt('2026-11-26T09:00:00+08:00', scheduler);
    const [reminder] = w.sentTo(chatId);
    expect(replyText(reminder!)).toContain('还有 1 组材料没交到任务里');
    const again = await waitFor(
      'the card again',
      () => w.h.fake.sentMessages().filter((m) => m.replyTo === photo)[1],
    );
    expect(cardButtons(again.content).filter((b) => b.value.a === 'file').length).toBeGreaterThan(0);
  });
});

/** The rest of the officer's way in a village with no task yet: nothing offers a choice that cannot be made. */
describe('a village with no task yet: cards again, 未归档 and its buttons', () => {
  let w: SchedulesWorld;
  let chatId: string;
  const code = 'NU13';
  beforeAll(async () => {
    ({ w, chatId } = await noTaskVillage('NU', code));
  });
  afterAll(() => w?.close());
  const cardsUnder = (messageId: string) => w.h.fake.sentMessages().filter((m) => m.replyTo === messageId);

  /** 未归档 from the officer, in the village's chat or (`p2p`) their direct chat with the bot: the answer. */
  const ask = (chatType: 'group' | 'p2p' = 'group', words = '未归档') =>
    sayToBot(w.h, {
      chatId: chatType === 'group' ? chatId : `oc_p2p_${w.org.officer}`,
      chatType,
      sender: w.org.officer,
      text: words,
      createTimeMs: w.clock.now().getTime(),
    });
  const NOTHING_TO_CHOOSE =
    '本单位还没有要交材料的任务，材料已保存好。要等县里给本单位下发任务清单后才能选任务（可以问问档案员），下发后我会再发选择卡片。';

  it('未归档 lists the materials as kept and says a task list comes first: no 选任务 bringing back a card with nothing to choose', async () => {
    const photo = await postPhoto(w.h, { chatId, sender: w.org.officer });
    const card = await replyAfterQuiet(w.h, w.clock, photo);
    const burst = buttonValue(card.content, 'skip').b;
    // Before: 「点「选任务」，会在原消息下面发出选择卡片」 and 选任务, whose card had no task on it and
    // pointed back to 未归档.
    const list = await ask();
    expect(replyText(list)).toContain('本群还有 **1** 组材料没交到任务里。' + NOTHING_TO_CHOOSE);
    expect(replyText(list)).toContain('1张照片');
    expect(cardButtons(list.content)).toEqual([]);
    // The officer's own list in a direct chat, with a photo also waiting in a village that has tasks:
    // 选任务 for that one, and for this one the reason there is none.
    w.h.fake.addChat({
      chatId: w.chats.village1,
      name: '工作群',
      members: [{ openId: w.org.officer, name: '王村官' }],
    });
    const elsewhere = await postPhoto(w.h, { chatId: w.chats.village1, sender: w.org.officer });
    await replyAfterQuiet(w.h, w.clock, elsewhere);
    const dm = await ask('p2p');
    expect(replyText(dm)).toContain('您发的材料中，还有 **2** 组材料没交到任务里。点「选任务」');
    expect(replyText(dm)).toContain('这个群的单位还没有任务，材料已保存好，先不用选。');
    expect(cardButtons(dm.content).map((b) => b.text)).toEqual(['选任务']);
    // 选任务 on a list drawn before (or forwarded): the same words, and no card under the photo.
    const tap = await tapCard(w.h, {
      operator: w.org.officer,
      value: CARD_AGAIN.value({ b: burst }),
      chatId,
      messageId: list.messageId,
    });
    expect(tap.toast).toEqual({ type: 'info', content: NOTHING_TO_CHOOSE });
    await w.h.settle();
    expect(cardsUnder(photo)).toHaveLength(1);
  });

  it('two photos: the card neither asks to choose a task nor offers 分开交, whose parts would each have nothing to choose', async () => {
    const first = await postPhoto(w.h, { chatId, sender: w.org.officer });
    await postPhoto(w.h, { chatId, sender: w.org.officer });
    const card = await replyAfterQuiet(w.h, w.clock, first);
    // Before: 「收到材料，请选择交到哪项任务」 and 分开交, whose parts card said 「点任务即交到该任务」
    // with no task for any part.
    expect(replyText(card)).toContain('收到 2 张照片');
    expect(replyText(card)).toContain('收到材料，已保存');
    expect(replyText(card)).not.toContain('请选择交到哪项任务');
    expect(cardButtons(card.content).map((b) => b.text)).toEqual(['不用交']);
    // 分开交 on a card drawn while the unit had a task says why not, and splits nothing.
    const burst = buttonValue(card.content, 'skip').b;
    const tap = await tapCard(w.h, {
      operator: w.org.officer,
      value: SPLIT.value({ b: burst, r: 0 }),
      chatId,
      messageId: card.messageId,
    });
    expect(tap.toast).toEqual({ type: 'error', content: NOTHING_TO_CHOOSE });
    expect(await splitsOf(w, burst)).toBe(0);
  });

  it('bound after materials came: the bound card says they are kept until a task list comes, and sends no card without a task', async () => {
    const { bound, photo } = await bindAfterMaterialsCame(w, code);
    // Before: 「…选择卡片已重新发在原消息下面，点一下即可交。」 and a card under the photo with no task on it.
    expect(JSON.stringify(bound.card!.data)).toContain(
      '绑定前发到本群的 **1** 组材料还没交到任务里。' + NOTHING_TO_CHOOSE,
    );
    await w.h.settle();
    expect(cardsUnder(photo)).toHaveLength(1);
  });

  it('任务, 缺什么 and 进度 say there is no task list yet, not that everything is done', async () => {
    // Before: 「没有未完成的任务 👍」, 「所有任务的材料都已齐全 👍」 and 「完成率 —（共 0 项…）没有逾期未齐的任务」.
    for (const words of ['任务', '缺什么', '进度']) {
      const answer = replyText(await ask('group', words));
      expect(answer).toContain('新村 · 还没有任务清单');
      expect(answer).toContain(
        '本单位还没有要交材料的任务。发到群里的材料都会保存好，要等县里给本单位下发任务清单后才能选任务（可以问问档案员），下发后我会再发选择卡片。',
      );
      expect(answer).not.toContain('👍');
    }
  });

  it('帮助 in the group says the materials are kept until the county gives the 任务清单, not to choose a task', async () => {
    // Before: 「我会自动保存原件并登记，然后请您点一下选择交到哪项任务」 and 写任务编号 — nothing to choose here.
    const help = JSON.stringify((await ask('group', '帮助')).content);
    expect(help).toContain(
      '我会自动保存原件并登记。本单位还没有要交材料的任务。发到群里的材料都会保存好，要等县里给本单位下发任务清单后才能选任务（可以问问档案员），下发后我会再发选择卡片。',
    );
    expect(help).not.toContain('选择交到哪项任务');
    expect(help).not.toContain('说明文字里写任务编号');
    // A direct chat names no unit, and files nothing sent there: the materials go to the work group.
    // Before: 「直接发到本群或转发到本群」, and 本群 was this direct chat.
    const direct = JSON.stringify((await ask('p2p', '帮助')).content);
    expect(direct).toContain(
      '把工作照片、扫描件、文件、录音、视频**发到或转发到本单位的工作群**（私聊发给我的交不到任务里），我会自动保存原件并登记，然后请您在群里点一下选择交到哪项任务。',
    );
    expect(direct).not.toContain('本群');
  });

  it('a card about to pass Lark’s 14 days is not sent again while there is no task; once there is, it is', async () => {
    const photo = await postPhoto(w.h, { chatId, sender: w.org.officer });
    await replyAfterQuiet(w.h, w.clock, photo);
    // 13 days and an hour after the card. Before: the card again, 「这组材料（11月23日发的）还没交到任务里，
    // 请选一下：」 with nothing to choose, every 13 days.
    w.clock.advance(13 * 86_400_000 + 3_600_000);
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    expect(cardsUnder(photo)).toHaveLength(1);
    // The village gets its 任务清单: the next check sends the card, now offering its tasks.
    await giveTasks(w, code);
    await w.h.bot.runTimer('filing-cards-expiring');
    await w.h.settle();
    const again = await waitFor('the card again', () => cardsUnder(photo)[1]);
    expect(cardButtons(again.content).filter((b) => b.value.a === 'file').length).toBeGreaterThan(0);
    expect(cardsUnder(photo)).toHaveLength(2);
  });

  it('the unit’s last open task waived after the card went out: a tap on it does not say 「请另选任务」', async () => {
    const photo = await postPhoto(w.h, { chatId, sender: w.org.officer });
    const card = await replyAfterQuiet(w.h, w.clock, photo);
    const offered = cardButtons(card.content).find((b) => b.value.a === 'file')!;
    // The county waives every task of the village meanwhile (本年度不开展).
    expect(await waiveAllTasks(w, code)).toBeGreaterThan(0);
    const answer = await tapCard(w.h, {
      operator: w.org.officer,
      value: offered.value,
      chatId,
      messageId: card.messageId,
    });
    // Before: 「…已免交，不用再交。请另选任务；都不是就点「不用交」。」 over a card with no task on it,
    // then a card saying the village had no task yet and to wait for its 任务清单, which had come.
    expect(answer.toast?.type).toBe('info');
    expect(answer.toast?.content).toMatch(/已免交，不用再交。本单位没有别的任务可选了。$/);
    const redrawn = JSON.stringify(answer.card!.data);
    expect(redrawn).toContain(
      '本单位的任务都已免交，没有可选的任务，材料已保存好。不用交的材料点「不用交」；如果是某项任务的材料，请档案员恢复这项任务，再发送「@归档助手 未归档」选任务。',
    );
    expect(redrawn).not.toContain('任务清单');
    expect(cardButtons(answer.card!.data).map((b) => b.text)).toEqual(['不用交']);
  });
});
