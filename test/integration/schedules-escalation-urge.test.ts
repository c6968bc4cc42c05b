import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, removeUnitRole } from '../../src/db/repos/people.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { cardActionEvent } from '../support/events.js';
import { cardButtonElements, cardButtons } from '../support/cards.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

type Answer = { toast: { type: string; content: string }; card?: { type: string; data: unknown } };

/**
 * Without PUBLIC_URL there was no way to 督办 (only the pages' POST /urge), yet the leader's escalation
 * said 「请督促相关村抓紧补齐」 and its buttons opened only a detail card. Its villages now have a 督办
 * button: the village chat gets the 督办 once a day, the card shows 已督办, and only the leader the
 * escalation went to, holding a 督办 role on the village or above, may press it.
 */
describe('督办 on the escalation card', () => {
  let w: SchedulesWorld;
  const V2 = 'WG12';
  const dm = 'oc_dm_township_leader_wg';
  beforeAll(async () => {
    w = await schedulesWorld('WG', '2026-11-25T10:00:00+08:00');
  }, 180_000);
  afterAll(() => w?.close());

  const post = async (event: ReturnType<typeof cardActionEvent>): Promise<Answer> => {
    const res = await w.h.post(event);
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };
  const tap = (operator: string, value: Record<string, unknown>, messageId: string, chatId = dm) =>
    cardActionEvent({ appId: w.h.fake.appId, operatorOpenId: operator, value, messageId, chatId });
  const urgesInVillage2 = () =>
    w.sentTo(w.chats.village2).filter((m) => JSON.stringify(m.content).includes('📌 督办'));

  it('a tap urges the village once a day; a second tap, a replay, another person and a forwarded copy send nothing', async () => {
    await w.setDue(V2, 'C07', '2026-11-06');
    await w.runAt('2026-11-26T09:00:00+08:00');
    const escalation = w
      .sentTo(w.townshipLeader)
      .find((m) => JSON.stringify(m.content).includes('逾期未交齐'))!;
    expect(JSON.stringify(escalation.content)).toContain('请督促相关村抓紧补齐');
    const v2 = (await getUnitByCode(w.h.db.db, V2))!;
    const urge = cardButtons(escalation.content).find((b) => b.value.a === 'urge')!;
    expect(urge.text).toBe(`督办 ${v2.name}`);
    expect(urge.value).toEqual({ a: 'urge', u: v2.id });
    expect(urgesInVillage2()).toHaveLength(0);

    const first = tap(w.townshipLeader, urge.value, escalation.messageId);
    const done = await post(first);
    expect(done.toast).toEqual({
      type: 'success',
      content: `督办已安排发送到${v2.name}的群里（1 个群），一般几秒内送到；没送到会私信告诉您`,
    });
    // The card redrawn: that village's 督办 button now says so, and cannot be pressed again.
    const redrawn = cardButtonElements(done.card!.data).find((b) => b.text.includes(v2.name) && !b.value);
    expect(redrawn?.text).toBe(`已督办 ${v2.name}`);
    expect(JSON.stringify(done.card!.data)).toContain('"disabled":true');
    expect(cardButtons(done.card!.data).some((b) => b.value.a === 'urge')).toBe(false);
    await w.h.settle();
    const sent = urgesInVillage2();
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.content)).toContain('钱镇长');
    expect(JSON.stringify(sent[0]!.content)).toContain('#C07');
    const [audit] = await queryRows<{ source: string; actor: string }>(
      w.h.db.db,
      sql`select source, actor from audit_log where action = 'urge' and unit_id = ${v2.id}`,
    );
    expect(audit).toEqual({ source: 'card', actor: w.townshipLeader });

    // The same button again the same day (the card as Lark kept it): said, nothing sent.
    const again = await post(tap(w.townshipLeader, urge.value, escalation.messageId));
    expect(again.toast).toEqual({ type: 'success', content: `${v2.name}今天已督办过，明天可以再次督办` });
    // The captured callback replayed: taken once.
    expect((await post(first)).toast).toEqual({ type: 'info', content: '这个操作已经处理过了' });
    // Someone else with the leader's card id (not theirs), and the leader's card forwarded into a chat
    // (another message): refused.
    for (const [who, messageId, chatId] of [
      [w.org.officer, escalation.messageId, 'oc_dm_officer_wg'],
      [w.townshipLeader, 'om_forwarded_copy_wg', w.chats.township],
    ] as const) {
      const refused = await post(tap(who, urge.value, messageId, chatId));
      expect(refused.toast).toEqual({
        type: 'error',
        content: '这个按钮只能在机器人私信发给您的「逾期未交齐」提醒上使用',
      });
      expect(refused.card).toBeUndefined();
    }
    // A forged value naming a village the card does not name.
    const forged = await post(tap(w.townshipLeader, { a: 'urge', u: v2.id + 1000 }, escalation.messageId));
    expect(forged.toast.type).toBe('error');
    await w.h.settle();
    expect(urgesInVillage2()).toHaveLength(1);
  });

  it('the next day, a leader who lost the role is refused; given it back, the tap urges', async () => {
    await w.runAt('2026-11-27T09:00:00+08:00');
    const escalation = w
      .sentTo(w.townshipLeader)
      .filter((m) => JSON.stringify(m.content).includes('逾期未交齐'))
      .at(-1)!;
    const urge = cardButtons(escalation.content).find((b) => b.value.a === 'urge')!;
    const township = (await getUnitByCode(w.h.db.db, w.org.township))!;
    const role = { unitId: township.id, openId: w.townshipLeader, role: 'leader' as const };
    await removeUnitRole(w.h.db.db, role);
    const refused = await post(tap(w.townshipLeader, urge.value, escalation.messageId));
    expect(refused.toast.type).toBe('error');
    expect(refused.toast.content).toMatch(/^只有.+或上级单位的领导、档案员或管理员可以督办$/);
    await w.h.settle();
    expect(urgesInVillage2()).toHaveLength(1);

    await addUnitRole(w.h.db.db, role, w.clock.now());
    expect((await post(tap(w.townshipLeader, urge.value, escalation.messageId))).toast.type).toBe('success');
    await w.h.settle();
    expect(urgesInVillage2()).toHaveLength(2);
  });

  it('a 督办 Lark refuses: the leader is told in their chat, and the card’s button is pressable again', async () => {
    await w.runAt('2026-11-30T09:00:00+08:00');
    const escalation = w
      .sentTo(w.townshipLeader)
      .filter((m) => JSON.stringify(m.content).includes('逾期未交齐'))
      .at(-1)!;
    const urge = cardButtons(escalation.content).find((b) => b.value.a === 'urge')!;
    const v2 = (await getUnitByCode(w.h.db.db, V2))!;
    // Lark refuses the 督办 for good (the bot is out of the chat for the moment).
    w.h.fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      times: 1,
      fault: { code: 230002, status: 400, msg: 'Bot/User can NOT be out of the chat.' },
    });
    const done = await post(tap(w.townshipLeader, urge.value, escalation.messageId));
    expect(done.toast.type).toBe('success');
    expect(cardButtons(done.card!.data).some((b) => b.value.a === 'urge')).toBe(false);
    await w.h.settle();
    expect(urgesInVillage2()).toHaveLength(2);
    // Before, the card said 已督办 for good and nothing told the leader it never arrived.
    const told = w.sentTo(w.townshipLeader).filter((m) => JSON.stringify(m.content).includes('督办没有送到'));
    expect(told.map((m) => (m.content as { text: string }).text)).toEqual([
      `督办没有送到${v2.name}的群：飞书没有接收这条消息。请再按一次督办；还是送不到，请联系管理员。`,
    ]);
    const patched = w.h.fake
      .patches()
      .filter((p) => p.messageId === escalation.messageId)
      .at(-1);
    const again = cardButtons(patched!.content).find((b) => b.value.a === 'urge' && b.value.u === v2.id);
    expect(again?.text).toBe(`督办 ${v2.name}`);
    // Pressed again: it goes out.
    expect((await post(tap(w.townshipLeader, again!.value, escalation.messageId))).toast.type).toBe(
      'success',
    );
    await w.h.settle();
    expect(urgesInVillage2()).toHaveLength(3);
  });
});
