import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buttonValue, cardButtonElements, cardButtons } from '../support/cards.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { recallEvent } from '../support/events.js';
import { bindVillageChat, joinVillageChat } from '../support/bound-chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { openIdOf } from '../support/open-ids.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * The 未归档 list as the officer reads it on a phone: one line per burst they sent (a split burst is
 * one line, its 选任务 the parts card), and a line gone stale (the list is not drawn again) says why.
 */
describe('未归档: a split burst is one line; a stale line says what became of it', () => {
  let h: Harness;
  let org: SeededOrg;
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'U' });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const newChat = async () => {
    const chatId = id('oc_');
    await bindVillageChat(h, org, chatId);
    return chatId;
  };
  const tap = (chatId: string, value: Record<string, unknown>, messageId: string): Promise<any> =>
    tapCard(h, { operator: org.officer, value, chatId, messageId });
  /** n photos then a caption, as one burst; the filing card the bot answered with. */
  const photos = async (chatId: string, n: number, caption: string) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await postPhoto(h, { chatId, sender: org.officer }));
    await postText(h, { chatId, sender: org.officer, text: caption });
    const card = await replyAfterQuiet(h, clock, ids[0]!);
    return { ids, card, burst: Number(buttonValue(card.content, 'skip').b) };
  };
  const unfiledList = (chatId: string) => sayToBot(h, { chatId, sender: org.officer, text: '未归档' });
  const lines = (list: { content: unknown }) =>
    cardButtonElements(list.content).filter((b) => b.value?.a === 'card-again');
  const lineOf = (list: { content: unknown }, burst: number) =>
    lines(list).find((b) => Number(b.value.b) === burst)!.value;
  const partsOnCard = (data: unknown) => [
    ...new Set(cardButtonElements(data).flatMap((b) => (b.value?.a === 'skip' ? [Number(b.value.b)] : []))),
  ];

  it('未归档 written alone in the group without the @ gets the list, as 帮助 does', async () => {
    const chatId = await newChat();
    await photos(chatId, 1, '一张照片');
    const asked = await postText(h, { chatId, sender: org.officer, text: '未归档' });
    // Before: nothing at all (only 帮助 was answered without the @).
    const list = await waitFor('the 未归档 list', () =>
      h.fake.sentMessages().find((m) => m.replyTo === asked),
    );
    expect(JSON.stringify(list.content)).toContain('本群还有 **1** 组材料没交到任务里');
    expect(lines(list)).toHaveLength(1);
  });

  it('a split burst with parts still waiting is one line, 「3 份，分开交，还差 2 份」; 选任务 sends its parts card', async () => {
    const chatId = await newChat();
    const { card } = await photos(chatId, 3, '三张照片');
    const split = await tap(chatId, buttonValue(card.content, 'split'), card.messageId);
    expect(split.toast?.type).toBe('success');
    const fileOne = cardButtonElements(split.card.data).find((b) => b.value?.a === 'file')!;
    expect((await tap(chatId, fileOne.value, card.messageId)).toast?.type).toBe('success');

    // Before: a line per part still waiting (two lines, 「本群还有 2 组」) for one burst and one card.
    const list = await unfiledList(chatId);
    const text = JSON.stringify(list.content);
    expect(text).toContain('本群还有 **1** 组材料没交到任务里');
    expect(text).toContain('3 份，分开交，还差 2 份');
    expect(lines(list)).toHaveLength(1);

    const again = await tap(chatId, lines(list)[0]!.value, list.messageId);
    expect(again.toast).toEqual({ type: 'success', content: '已在原消息下面发出选择卡片' });
    const sent = await waitFor('the parts card sent again', async () => {
      await h.settle();
      return h.fake
        .sentMessages()
        .find(
          (m) =>
            m.msgType === 'interactive' &&
            JSON.stringify(m.content).includes('已分成 3 份') &&
            m.messageId !== card.messageId,
        );
    });
    expect(partsOnCard(sent.content)).toHaveLength(2);
  });

  it('the parts card sent again goes under the first message, where the first card is, after the first part was filed', async () => {
    const chatId = await newChat();
    const { ids, card } = await photos(chatId, 3, '三张照片');
    expect(card.replyTo).toBe(ids[0]);
    const split = await tap(chatId, buttonValue(card.content, 'split'), card.messageId);
    const partOfFirst = Math.min(...partsOnCard(split.card.data));
    const fileFirst = cardButtonElements(split.card.data).find(
      (b) => b.value?.a === 'file' && Number(b.value.b) === partOfFirst,
    )!;
    expect((await tap(chatId, fileFirst.value, card.messageId)).toast?.type).toBe('success');

    const list = await unfiledList(chatId);
    const before = h.fake.sentMessages().length;
    const again = await tap(chatId, lines(list)[0]!.value, list.messageId);
    expect(again.toast?.type).toBe('success');
    const sent = await waitFor('the parts card sent again', async () => {
      await h.settle();
      return h.fake
        .sentMessages()
        .slice(before)
        .find((m) => JSON.stringify(m.content).includes('已分成 3 份'));
    });
    // Before: under the second photo (the first part still waiting), away from the first card.
    expect(sent.replyTo).toBe(ids[0]);
  });

  it('a line whose part was filed since still brings the parts card while another part waits; once all are dealt with it says so', async () => {
    const chatId = await newChat();
    const { card } = await photos(chatId, 2, '两张照片');
    const split = await tap(chatId, buttonValue(card.content, 'split'), card.messageId);
    const list = await unfiledList(chatId);
    const line = lines(list)[0]!.value;
    // The part the line names is filed on the parts card.
    const fileIt = cardButtonElements(split.card.data).find(
      (b) => b.value?.a === 'file' && Number(b.value.b) === Number(line.b),
    )!;
    expect((await tap(chatId, fileIt.value, card.messageId)).toast?.type).toBe('success');
    // Before: 「这组材料已经交到任务里，或已标记为不用交」, though the other part still waits.
    expect((await tap(chatId, line, list.messageId)).toast).toEqual({
      type: 'success',
      content: '已在原消息下面发出选择卡片',
    });
    // The other part set aside: nothing waits.
    const other = cardButtonElements(split.card.data).find(
      (b) => b.value?.a === 'skip' && Number(b.value.b) !== Number(line.b),
    )!;
    await tap(chatId, other.value, card.messageId);
    const sentBefore = h.fake.sentMessages().length;
    expect((await tap(chatId, line, list.messageId)).toast).toEqual({
      type: 'info',
      content: '这组材料分开交的几份都已处理完，不用再选任务',
    });
    await h.settle();
    expect(h.fake.sentMessages().length).toBe(sentBefore);
  });

  it('a split burst partly filed, its parts either side of a page break: one line, on one page, counted as its parts card shows them', async () => {
    const chatId = await newChat();
    const neighbour = joinVillageChat(h, org, chatId, openIdOf('unfiled-list-neighbour'));
    // Nine older bursts fill the first page but one.
    const older: number[] = [];
    for (let i = 0; i < 9; i++) older.push((await photos(chatId, 1, `第${i + 1}组`)).burst);
    // Three photos with a neighbour's photo between the first two: their parts will sort either side of it.
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const between = await postPhoto(h, { chatId, sender: neighbour });
    for (let i = 0; i < 2; i++) await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '三张照片' });
    const card = await replyAfterQuiet(h, clock, first);
    const other = Number(buttonValue((await replyAfterQuiet(h, clock, between)).content, 'skip').b);
    const split = await tap(chatId, buttonValue(card.content, 'split'), card.messageId);
    const [a, b, c] = partsOnCard(split.card.data) as [number, number, number];
    const fileOn = (data: unknown, part: number) =>
      cardButtonElements(data).find((e) => e.value?.a === 'file' && Number(e.value.b) === part)!.value;
    const next = (data: unknown) => cardButtons(data).find((e) => e.text === '下一页')?.value;
    // What the parts card shows, sent again from the line: its parts, and those still to choose a task for.
    const partsCardOfLine = async (list: { content: unknown; messageId: string }, line: number) => {
      const before = h.fake.sentMessages().length;
      expect((await tap(chatId, lineOf(list, line), list.messageId)).toast?.type).toBe('success');
      const sent = await waitFor('the parts card sent again', async () => {
        await h.settle();
        return h.fake
          .sentMessages()
          .slice(before)
          .find((m) => JSON.stringify(m.content).includes('已分成'));
      });
      return {
        total: Number(/已分成 (\d+) 份/.exec(JSON.stringify(sent.content))![1]),
        open: partsOnCard(sent.content),
      };
    };

    // The last part filed: the line stays at the first part, the tenth line; the next page holds only the
    // neighbour's burst (no part comes again there).
    expect((await tap(chatId, fileOn(split.card.data, c), card.messageId)).toast?.type).toBe('success');
    let list = await unfiledList(chatId);
    expect(JSON.stringify(list.content)).toContain('本群还有 **11** 组材料没交到任务里');
    expect(lines(list).map((l) => Number(l.value.b))).toEqual([...older, a]);
    expect(JSON.stringify(list.content)).toContain('3 份，分开交，还差 2 份');
    expect(await partsCardOfLine(list, a)).toEqual({ total: 3, open: [a, b] });
    let page2 = (await tap(chatId, next(list.content), list.messageId)).card.data;
    expect(
      cardButtonElements(page2)
        .filter((e) => e.value?.a === 'card-again')
        .map((e) => Number(e.value.b)),
    ).toEqual([other]);
    expect(JSON.stringify(page2)).toContain('本群还有 **11** 组材料没交到任务里，这是第 11–11 组');

    // The first part filed too: the line moves to the second part, past the neighbour's, onto the next page.
    expect((await tap(chatId, fileOn(split.card.data, a), card.messageId)).toast?.type).toBe('success');
    list = await unfiledList(chatId);
    expect(JSON.stringify(list.content)).toContain('本群还有 **11** 组材料没交到任务里');
    expect(lines(list).map((l) => Number(l.value.b))).toEqual([...older, other]);
    page2 = (await tap(chatId, next(list.content), list.messageId)).card.data;
    expect(
      cardButtonElements(page2)
        .filter((e) => e.value?.a === 'card-again')
        .map((e) => Number(e.value.b)),
    ).toEqual([b]);
    expect(JSON.stringify(page2)).toContain('3 份，分开交，还差 1 份');
    expect(await partsCardOfLine({ content: page2, messageId: list.messageId }, b)).toEqual({
      total: 3,
      open: [b],
    });
  });

  it('a line recalled, filed or set aside since the list was sent says which, and sends no card', async () => {
    const chatId = await newChat();
    const recalled = await photos(chatId, 1, '要撤回的');
    const filed = await photos(chatId, 1, '要交的');
    const skipped = await photos(chatId, 1, '不用交的');
    const list = await unfiledList(chatId);
    expect(lines(list)).toHaveLength(3);

    // 撤回 in the chat.
    expect(
      (
        await h.post(
          recallEvent({
            appId: h.fake.appId,
            messageId: recalled.ids[0]!,
            chatId,
            recallTimeMs: clock.now().getTime(),
          }),
        )
      ).status,
    ).toBe(200);
    await h.settle();
    // Filed from its own card; set aside on its own card.
    expect(
      (await tap(chatId, buttonValue(filed.card.content, 'file'), filed.card.messageId)).toast?.type,
    ).toBe('success');
    await tap(chatId, buttonValue(skipped.card.content, 'skip'), skipped.card.messageId);

    const sentBefore = h.fake.sentMessages().length;
    // Before: each of the three answered 「这组材料已经交到任务里，或已标记为不用交」.
    const r = await tap(chatId, lineOf(list, recalled.burst), list.messageId);
    expect(r.toast).toEqual({ type: 'info', content: '这组材料已撤回，不用再交' });
    const f = await tap(chatId, lineOf(list, filed.burst), list.messageId);
    expect(f.toast.type).toBe('info');
    expect(f.toast.content).toMatch(/^这组材料已经交到「C\d+ .+」$/);
    const s = await tap(chatId, lineOf(list, skipped.burst), list.messageId);
    expect(s.toast).toEqual({ type: 'info', content: '这组材料已由王村官标记为不用交' });
    await h.settle();
    expect(h.fake.sentMessages().length).toBe(sentBefore);
    expect(r.card).toBeUndefined();
  });
});
