import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { buttonValue, cardButtonElements } from '../support/cards.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { tapCard } from '../support/chat-actions.js';
import { commandEvent, recallEvent } from '../support/events.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
type Answer = { toast?: { type: string; content: string }; card?: { data: unknown } };

/** Issue 14: 分开归档 — a mixed burst split so that each file is filed to its own task. */
describe('splitting a burst (分开归档)', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'S' });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const tap = async (
    value: Record<string, unknown>,
    messageId: string,
    o: { operator?: string; chatId?: string; formValue?: Record<string, unknown> } = {},
  ): Promise<Answer> =>
    tapCard(h, {
      operator: o.operator ?? org.officer,
      value,
      chatId: o.chatId ?? chatId,
      messageId,
      formValue: o.formValue,
    });
  /** n photos then a caption, as one burst; the filing card the bot answered with. */
  const photos = async (n: number, caption: string) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await postPhoto(h, { chatId, sender: org.officer }));
    await postText(h, { chatId, sender: org.officer, text: caption });
    const card = await replyAfterQuiet(h, clock, ids[0]!);
    expect(card.msgType).toBe('interactive');
    return { ids, card };
  };
  const itemsOf = async (messageIds: string[]) =>
    queryRows<{ item: number; task: string; n: number }>(
      h.db.db,
      sql`select fi.id::int as item, t.code as task, count(*)::int as n from filing_items fi
          join tasks t on t.id = fi.task_id join filing_item_materials fim on fim.item_id = fi.id
          join materials m on m.id = fim.material_id
          where fi.undone_at is null and m.message_id = any(${sql.raw(`array[${messageIds.map((x) => `'${x}'`).join(',')}]`)})
          group by fi.id, t.code order by fi.id`,
    );
  const splitAudits = async (burstId: number) =>
    queryRows<{ details: any }>(
      h.db.db,
      sql`select details from audit_log where action = 'split' and burst_id = ${burstId}`,
    );

  /** The parts card's task buttons, part by part (in order), and each part's other buttons. */
  const partsOf = (data: unknown) => {
    const byPart = new Map<number, { text: string; value: any }[]>();
    let burst = NaN;
    for (const b of cardButtonElements(data)) {
      // A button naming no burst (the item's 写照片说明) belongs to the part before it.
      if (b.value?.b !== undefined) burst = Number(b.value.b);
      if (!byPart.has(burst)) byPart.set(burst, []);
      byPart.get(burst)!.push({ text: b.text, value: b.value });
    }
    return [...byPart.entries()].map(([burst, buttons]) => ({
      burst,
      files: buttons.filter((x) => x.value.a === 'file'),
      other: (a: string) => buttons.find((x) => x.value.a === a)!.value,
      has: (a: string) => buttons.some((x) => x.value.a === a),
    }));
  };

  it('ten photos: no 分开交, and the card says before the tap that one task takes them all, and what to do instead', async () => {
    const { card } = await photos(10, '入户走访');
    const text = JSON.stringify(card.content);
    expect(cardButtonElements(card.content).map((b) => b.text)).not.toContain('分开交');
    expect(text).toContain(
      '这组有 10 个文件，点一项任务就全部交到这一项。不是同一项任务的，请点「不用交」，再分几次发送，每次不超过 9 个。',
    );
  });

  it('lists the parts on the card tapped, with no message more in the chat; each is filed in one tap, audited', async () => {
    const { ids, card } = await photos(6, '今天拍的');
    const split = buttonValue(card.content, 'split');
    const burstId = Number(split.b);

    // A tap by someone who is not in the chat nor works for the unit: refused, nothing changed.
    const stranger = await tap(split, card.messageId, { operator: 'ou_stranger' });
    expect(stranger.toast?.type).toBe('error');
    expect(stranger.toast?.content).toContain('工作群成员');
    // Forged values: another chat, a value that does not parse.
    const elsewhere = await tap(split, id('om_'), { chatId: id('oc_') });
    expect(elsewhere.toast).toEqual({
      type: 'error',
      content:
        '这个按钮在这里用不了。材料不用重发：到材料所在的群里发送「@归档助手 未归档」，从列表里选任务。',
    });
    const garbled = await tap({ a: 'split', b: 'x' }, card.messageId);
    expect(garbled.toast).toEqual({
      type: 'error',
      content:
        '这个按钮在这里用不了。材料不用重发：到材料所在的群里发送「@归档助手 未归档」，从列表里选任务。',
    });
    expect(await splitAudits(burstId)).toEqual([]);

    const sentBefore = h.fake.sentMessages().length;
    const done = await tap(split, card.messageId);
    // Before: one card per photo, six messages more in a busy group. Now the tapped card lists them.
    await h.settle();
    expect(h.fake.sentMessages().length).toBe(sentBefore);
    expect(done.toast).toEqual({ type: 'success', content: '已分成 6 份，请在卡片上分别选择任务' });
    let parts = partsOf(done.card!.data);
    expect(parts).toHaveLength(6);
    for (const p of parts) {
      expect(p.files.length).toBeGreaterThan(0);
      expect(p.has('filed-view')).toBe(true); // 其他任务
      expect(p.has('skip')).toBe(true);
    }
    expect(cardButtonElements(done.card!.data).some((b) => b.value?.a === 'split')).toBe(false);
    const [audit] = await splitAudits(burstId);
    expect(audit!.details.parts).toHaveLength(6);

    // The old card's buttons file nothing now, and splitting again is refused.
    const oldFile = await tap(buttonValue(card.content, 'file'), card.messageId);
    expect(oldFile.toast).toEqual({
      type: 'error',
      content: '这组材料已经分开了，请在分开后的卡片上分别选择任务',
    });
    expect((await tap(split, card.messageId)).toast?.type).toBe('error');

    // One tap each: two photos to one task, the third to another; the card is the parts card each time.
    const first = parts[0]!.files[0]!;
    const fileOn = async (part: number, pick: (b: { text: string }) => boolean) => {
      const b = parts[part]!.files.find(pick)!;
      const r = await tap(b.value, card.messageId);
      expect(r.toast?.type).toBe('success');
      parts = partsOf(r.card!.data);
      return r;
    };
    await fileOn(0, (b) => b.text === first.text);
    await fileOn(1, (b) => b.text === first.text);
    const third = await fileOn(2, (b) => b.text !== first.text);
    expect(JSON.stringify(third.card!.data).match(/✅ 已交到/g)).toHaveLength(3);
    expect(parts).toHaveLength(6);
    expect(parts.slice(0, 3).every((p) => p.has('undo') && p.files.length === 0)).toBe(true);
    expect(parts.slice(3).every((p) => p.files.length > 0)).toBe(true);
    let items = await itemsOf(ids);
    expect(items).toHaveLength(3);
    expect(items.every((i) => i.n === 1)).toBe(true);
    expect(new Set(items.map((i) => i.task)).size).toBe(2);

    // 撤销 the first part: asked first, then the parts card again, that part open with a new round.
    const ask = await tap(parts[0]!.other('undo'), card.messageId);
    expect(JSON.stringify(ask.card!.data)).toContain('确定撤销');
    const sure = cardButtonElements(ask.card!.data).find((x) => x.value?.a === 'undo' && x.value.sure === 1)!;
    const undone = await tap(sure.value, card.messageId);
    expect(undone.toast?.type).toBe('success');
    parts = partsOf(undone.card!.data);
    expect(parts).toHaveLength(6);
    expect(parts[0]!.files[0]!.value.r).toBe(1);
    expect(await itemsOf(ids)).toHaveLength(2);
    // The first part's button drawn before the filing (round 0): files nothing, the card as it is now.
    const stale = await tap(first.value, card.messageId);
    expect(stale.toast?.type).toBe('info');
    expect(partsOf(stale.card!.data)).toHaveLength(6);
    expect(await itemsOf(ids)).toHaveLength(2);
    // Filed again, to the other task.
    await fileOn(0, (b) => b.text !== first.text);

    // The fourth to the photo task: its description (事由 / 地点 / 人物) is asked for on its row, the
    // form opens on the card, and saving it brings the parts back.
    await fileOn(3, (b) => b.text.includes('现场照片'));
    const form = await tap(parts[3]!.other('describe-edit'), card.messageId);
    const save = cardButtonElements(form.card!.data).find((x) => x.value?.a === 'describe-item');
    expect(save).toBeDefined();
    const saved = await tap(save!.value, card.messageId, {
      formValue: { reason: '危房改造入户核查', place: '村东头', people: '张三' },
    });
    expect(saved.toast?.type).toBe('success');
    parts = partsOf(saved.card!.data);
    expect(parts).toHaveLength(6);
    expect(parts[3]!.has('describe-edit')).toBe(true);
    expect(JSON.stringify(saved.card!.data)).toContain('修改说明');

    // 其他任务 on the fifth: its own task browser on the card; a task there files it, back to the list.
    const browse = await tap(parts[4]!.other('filed-view'), card.messageId);
    const own = cardButtonElements(browse.card!.data).filter((b) => b.value?.a === 'file');
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((b) => Number(b.value.b) === parts[4]!.burst)).toBe(true);
    const viaBrowser = await tap(own[own.length - 1]!.value, card.messageId);
    expect(viaBrowser.toast?.type).toBe('success');
    parts = partsOf(viaBrowser.card!.data);
    expect(parts[4]!.has('undo')).toBe(true);
    // 不用交 on the sixth.
    const skipped = await tap(parts[5]!.other('skip'), card.messageId);
    expect(JSON.stringify(skipped.card!.data)).toContain('已标记为不用交');
    parts = partsOf(skipped.card!.data);
    expect(parts[5]!.has('reopen')).toBe(true);

    items = await itemsOf(ids);
    expect(items).toHaveLength(5);
    const [files] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from audit_log where action = 'file' and burst_id = any(array[${sql.raw(parts.map((p) => p.burst).join(','))}]::bigint[])`,
    );
    expect(files!.n).toBe(6);

    // The sixth photo recalled: the parts card is drawn again (its row says so), the others kept.
    const patchesBefore = h.fake.patches().length;
    const res = await h.post(
      recallEvent({ appId: h.fake.appId, messageId: ids[5]!, chatId, recallTimeMs: clock.now().getTime() }),
    );
    expect(res.status).toBe(200);
    const patched = await waitFor('the parts card drawn again', async () => {
      await h.settle();
      return h.fake
        .patches()
        .slice(patchesBefore)
        .find((p) => p.messageId === card.messageId);
    });
    const text = JSON.stringify(patched.content);
    expect(text).toContain('**6. 照片**\\n已撤回，不再归档');
    expect(text.match(/✅ 已交到/g)).toHaveLength(5);
    expect(
      h.fake
        .sentMessages()
        .filter((m) => m.msgType === 'interactive' && m.replyTo && ids.includes(m.replyTo)),
    ).toHaveLength(1);
  });

  it('分开交 on a copy sent again: a tap on the first card points to the parts card, once', async () => {
    const { ids, card } = await photos(2, '傍晚拍的');
    // 未归档 lists it; 选任务 there sends its card again (a reply to its first photo), and 分开交 is tapped there.
    const cmd = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId,
      senderOpenId: org.officer,
      text: '未归档',
      createTimeMs: clock.now().getTime(),
    });
    expect((await h.post(cmd)).status).toBe(200);
    const list = await waitFor('the 未归档 list', async () => {
      await h.settle();
      return h.fake.sentMessages().find((m) => m.replyTo === cmd.event.message.message_id);
    });
    const again = cardButtonElements(list.content).find(
      (b) =>
        b.value?.a === 'card-again' && Number(b.value.b) === Number(buttonValue(card.content, 'split').b),
    )!;
    expect((await tap(again.value, list.messageId)).toast?.type).toBe('success');
    const copy = await waitFor('the card sent again', async () => {
      await h.settle();
      return h.fake
        .sentMessages()
        .find((m) => m.replyTo === ids[0] && m.messageId !== card.messageId && m.msgType === 'interactive');
    });
    const split = await tap(buttonValue(copy.content, 'split'), copy.messageId);
    expect(split.toast?.type).toBe('success');
    await h.settle();

    // The first card: before, only 「请在分开后的卡片上分别选择任务」, naming no card, its buttons left.
    const sentBefore = h.fake.sentMessages().length;
    const old = await tap(buttonValue(card.content, 'file'), card.messageId);
    expect(old.toast).toEqual({
      type: 'info',
      content: '这组材料已经分开了，请在群里最新回复的那张卡片上分别选择任务',
    });
    expect(cardButtonElements(old.card!.data)).toEqual([]);
    const pointer = await waitFor('the reply under the parts card', async () => {
      await h.settle();
      return h.fake.sentMessages().find((m) => m.replyTo === copy.messageId);
    });
    expect(pointer.content).toEqual({ text: '这组材料已经分开了，请在这张卡片上分别选择任务' });
    // Once per copy: a second tap (the card not drawn again yet) sends nothing more.
    await tap(buttonValue(card.content, 'split'), card.messageId);
    await h.settle();
    expect(h.fake.sentMessages().length).toBe(sentBefore + 1);
    // The parts card it points to files.
    const part = partsOf(split.card!.data)[0]!;
    expect((await tap(part.files[0]!.value, copy.messageId)).toast?.type).toBe('success');
    expect(await itemsOf(ids)).toHaveLength(1);
  });

  it('其他任务 on a part: its own card has 返回 to the parts card, and its task list 返回 to that card', async () => {
    const { ids, card } = await photos(2, '中午拍的');
    const split = await tap(buttonValue(card.content, 'split'), card.messageId);
    expect(split.toast?.type).toBe('success');
    const [first] = partsOf(split.card!.data);
    // 其他任务: the part's own filing card. Before, it offered no way back: only a task or 不用交.
    const own = await tap(first!.other('filed-view'), card.messageId);
    expect(JSON.stringify(own.card!.data)).toContain('收到材料，请选择交到哪项任务');
    const back = cardButtonElements(own.card!.data).find((b) => b.text === '返回');
    expect(back?.value).toMatchObject({ a: 'parts-view', b: first!.burst });
    // Its list of the unit's tasks (a button on the card of a unit with more than 100; this village's
    // fit in a menu, so the value is the one that button carries): 返回 there is the part's card again.
    const found = await tap(
      { a: 'file-browse', b: first!.burst, r: first!.files[0]!.value.r, h: 0 },
      card.messageId,
    );
    expect(JSON.stringify(found.card!.data)).toContain('城关村的任务');
    const toOwn = cardButtonElements(found.card!.data).find((b) => b.text === '返回')!;
    const ownAgain = await tap(toOwn.value, card.messageId);
    expect(buttonValue(ownAgain.card!.data, 'parts-view')).toEqual(back!.value);
    // 返回: the parts card as it was, both parts still open, nothing filed or set aside.
    const parts = await tap(back!.value, card.messageId);
    expect(parts.toast).toBeUndefined();
    const rows = partsOf(parts.card!.data);
    expect(rows.map((p) => p.burst)).toEqual(partsOf(split.card!.data).map((p) => p.burst));
    expect(rows.every((p) => p.files.length > 0 && p.has('skip'))).toBe(true);
    expect(await itemsOf(ids)).toEqual([]);
    const [audits] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from audit_log where action in ('set_aside', 'reopen') and burst_id = ${first!.burst}`,
    );
    expect(audits).toEqual({ n: 0 });
    // From another chat the same value draws nothing.
    const forged = await tap(back!.value, card.messageId, { chatId: id('oc_') });
    expect(forged.toast).toEqual({
      type: 'error',
      content:
        '这个按钮在这里用不了。材料不用重发：到材料所在的群里发送「@归档助手 未归档」，从列表里选任务。',
    });
  });

  it('其他任务 on an out-of-date parts card for a part whose file was recalled: 材料已撤回 with 返回', async () => {
    const { ids, card } = await photos(2, '傍晚拍的');
    const split = await tap(buttonValue(card.content, 'split'), card.messageId);
    expect(split.toast?.type).toBe('success');
    const [first] = partsOf(split.card!.data);
    const res = await h.post(
      recallEvent({ appId: h.fake.appId, messageId: ids[0]!, chatId, recallTimeMs: clock.now().getTime() }),
    );
    expect(res.status).toBe(200);
    await h.settle();
    // 其他任务 as the card read before the recall: the part's card says it was recalled, and (before:
    // a dead end) offers 返回 to the parts card like any part's card.
    const own = await tap(first!.other('filed-view'), card.messageId);
    expect(JSON.stringify(own.card!.data)).toContain('材料已撤回');
    const back = cardButtonElements(own.card!.data).find((b) => b.text === '返回');
    expect(back?.value).toMatchObject({ a: 'parts-view', b: first!.burst });
    const parts = await tap(back!.value, card.messageId);
    expect(parts.toast).toBeUndefined();
    expect(JSON.stringify(parts.card!.data)).toContain('已撤回，不再归档');
    expect(await itemsOf(ids)).toEqual([]);
  });

  it('refuses to split a filed burst (a photo would be in two items); after 撤销 it splits', async () => {
    const { ids, card } = await photos(2, '下午拍的');
    const filed = await tap(buttonValue(card.content, 'file'), card.messageId);
    expect(filed.toast?.type).toBe('success');
    const b = Number(buttonValue(card.content, 'split').b);
    // A split value for the card as it is now (round 1): still refused while the filing is live.
    const refused = await tap({ a: 'split', b, r: 1 }, card.messageId);
    expect(refused.toast).toEqual({
      type: 'error',
      content: '这组材料已经交到任务里，不能再分开（一个文件不能同时在两件里）；请先撤销再分开',
    });
    // The card drawn before the filing (a copy sent again): nothing split; it becomes the filed card.
    const stale = await tap(buttonValue(card.content, 'split'), card.messageId);
    expect(stale.toast).toMatchObject({ type: 'info', content: expect.stringContaining('这组材料已经交到') });
    expect(buttonValue(stale.card!.data, 'undo')).toBeDefined();
    expect(await splitAudits(b)).toEqual([]);
    expect(await itemsOf(ids)).toEqual([expect.objectContaining({ n: 2 })]);

    const undo = await tap(buttonValue(filed.card!.data, 'undo'), card.messageId);
    const sure = cardButtonElements(undo.card!.data).find(
      (x) => x.value?.a === 'undo' && x.value.sure === 1,
    )!;
    const undone = await tap(sure.value, card.messageId);
    expect(undone.toast?.type).toBe('success');
    const split = await tap(buttonValue(undone.card!.data, 'split'), card.messageId);
    expect(split.toast?.type).toBe('success');
    expect(await itemsOf(ids)).toEqual([]);
  });

  it('a split and a filing tapped at once: exactly one of them happens', async () => {
    for (const round of [0, 1]) {
      const { ids, card } = await photos(2, round === 0 ? '上午拍的' : '晚上拍的');
      const split = buttonValue(card.content, 'split');
      const splitTap = () => tap(split, card.messageId);
      const fileTap = () => tap(buttonValue(card.content, 'file'), card.messageId);
      // Sent together, in either order.
      const [s, f] =
        round === 0
          ? await Promise.all([splitTap(), fileTap()])
          : (await Promise.all([fileTap(), splitTap()])).reverse();
      const splits = (await splitAudits(Number(split.b))).length;
      const items = await itemsOf(ids);
      // Either split (no item holds both photos) or filed whole (and not split): never both.
      expect(splits + (items.some((i) => i.n === 2) ? 1 : 0)).toBe(1);
      expect([s!.toast?.type, f!.toast?.type].filter((t) => t === 'success')).toHaveLength(1);
    }
  });
});
