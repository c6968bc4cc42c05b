import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { buttonValue, cardButtonElements } from '../support/cards.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { cardActionEvent } from '../support/events.js';
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
    o: { operator?: string; chatId?: string } = {},
  ): Promise<Answer> => {
    const res = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: o.operator ?? org.officer,
        value,
        chatId: o.chatId ?? chatId,
        messageId,
      }),
    );
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };
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

  it('gives each photo its own card; each is filed as its own item, audited', async () => {
    const { ids, card } = await photos(3, '今天拍的');
    const split = buttonValue(card.content, 'split');
    const burstId = Number(split.b);

    // A tap by someone who is not in the chat nor works for the unit: refused, nothing changed.
    const stranger = await tap(split, card.messageId, { operator: 'ou_stranger' });
    expect(stranger.toast?.type).toBe('error');
    expect(stranger.toast?.content).toContain('工作群成员');
    // Forged values: another chat, a value that does not parse.
    const elsewhere = await tap(split, id('om_'), { chatId: id('oc_') });
    expect(elsewhere.toast).toEqual({ type: 'error', content: '这个按钮已失效，请重新发送材料' });
    const garbled = await tap({ a: 'split', b: 'x' }, card.messageId);
    expect(garbled.toast).toEqual({ type: 'error', content: '这个按钮已失效，请重新发送材料' });
    expect(await splitAudits(burstId)).toEqual([]);
    const [before] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from materials where burst_id = ${burstId}`,
    );
    expect(before!.n).toBe(3);

    const done = await tap(split, card.messageId);
    expect(done.toast).toEqual({
      type: 'success',
      content: '已分成 3 份，请在每个文件下面的卡片上分别选择任务',
    });
    expect(JSON.stringify(done.card!.data)).toContain('已分成 3 份');

    // One card per photo, each a reply to its own photo, offering every task but no further split.
    const cards = await waitFor('a card under each photo', () => {
      const cs = ids.slice(1).map((m) => h.fake.sentMessages().find((x) => x.replyTo === m));
      const first = h.fake.sentMessages().filter((x) => x.replyTo === ids[0]);
      return cs.every(Boolean) && first.length === 2 ? [first[1]!, ...cs.map((c) => c!)] : undefined;
    });
    for (const c of cards) {
      const values = cardButtonElements(c.content).map((b) => b.value?.a);
      expect(values).toContain('file');
      expect(values).not.toContain('split');
      expect(JSON.stringify(c.content)).toContain('收到 1 张照片');
    }
    const [audit] = await splitAudits(burstId);
    expect(audit!.details.parts).toHaveLength(3);

    // The old card files nothing now, and splitting again is refused.
    const oldFile = await tap(buttonValue(card.content, 'file'), card.messageId);
    expect(oldFile.toast).toEqual({
      type: 'error',
      content: '这组材料已经分开了，请在每个文件下面的卡片上选择任务',
    });
    const again = await tap(split, card.messageId);
    expect(again.toast?.content).toBe('这组材料已经分开了，请在每个文件下面的卡片上选择任务');

    // Two photos to one task, the third to another: three items of one photo each.
    const fileOn = async (c: (typeof cards)[number], pick: (text: string) => boolean) => {
      const b = cardButtonElements(c.content).find((x) => x.value?.a === 'file' && pick(x.text))!;
      const r = await tap(b.value, c.messageId);
      expect(r.toast?.type).toBe('success');
      return b.text;
    };
    const first = cardButtonElements(cards[0]!.content).find((x) => x.value?.a === 'file')!.text;
    await fileOn(cards[0]!, (t) => t === first);
    await fileOn(cards[1]!, (t) => t === first);
    await fileOn(cards[2]!, (t) => t !== first);
    const items = await itemsOf(ids);
    expect(items).toHaveLength(3);
    expect(items.every((i) => i.n === 1)).toBe(true);
    expect(new Set(items.map((i) => i.task)).size).toBe(2);
    const [files] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from audit_log where action = 'file' and item_id = any(array[${sql.raw(items.map((i) => i.item).join(','))}]::bigint[])`,
    );
    expect(files!.n).toBe(3);
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
