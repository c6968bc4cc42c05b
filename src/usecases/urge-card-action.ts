import { URGE } from '../cards/actions.js';
import type { Db } from '../db/client.js';
import { urgeStates } from '../db/repos/page-unit.js';
import { escalationOf } from '../db/repos/schedule-sends.js';
import { getUnitById } from '../db/repos/units.js';
import { rolesOfPerson } from '../db/repos/viewer-roles.js';
import { firstSendable, type QuietHours } from '../domain/quiet-hours.js';
import { URGE_ROLES } from '../domain/units-people.js';
import { URGES_PER_CHAT_A_DAY } from '../domain/urge-period.js';
import { localDay } from '../domain/working-days.js';
import type { CardResponse } from './card-response.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import type { UrgeOutcome } from './urge-now.js';

/** The 督办 a tap asks for: `urgeNow` with its settings (wiring/schedules.ts `urgeWith`). */
type UrgeFn = (input: {
  unitId: number;
  by: string;
  source: 'card';
  cardMessageId: string;
}) => Promise<UrgeOutcome>;

const NOT_OWN = '这个按钮只能在机器人私信发给您的「逾期未交齐」提醒上使用';

/**
 * 督办 on a leader's escalation (「⚠️ 逾期未交齐」, a direct message): one button a village its lines
 * name, so a leader without web pages (PUBLIC_URL unset) can do what the card asks. Taken only on the
 * escalation the bot sent to the one tapping (a copy forwarded elsewhere is another message: refused),
 * for a village that card names, by someone who may 督办 it (URGE_ROLES on it or above, as POST /urge);
 * then `urgeNow` as the page's 督办 of the village — the same claim, once a chat a day. Answered with a
 * toast and the card redrawn: each village's 督办 of the day arranged shows 「已督办 X」, disabled.
 */
export function urgeCardAction(o: {
  urge: UrgeFn;
  timeZone: string;
  quietHours: QuietHours;
}): DeclaredCardAction {
  return cardAction({
    type: URGE,
    handle: async (deps, a): Promise<CardResponse> => {
      const refused = (content: string): CardResponse => ({ toast: { type: 'error', content } });
      if (!a.messageId) return refused(URGE.stale);
      const escalation = await escalationOf(deps.db, a.operatorOpenId, a.messageId);
      if (!escalation) return refused(NOT_OWN);
      const drawn = JSON.parse(escalation.content) as object;
      // A value naming a village the card does not (forged): as a button gone stale.
      if (!urgeButtons(drawn).some((b) => b.unitId === a.value.u)) return refused(URGE.stale);
      const unit = await getUnitById(deps.db, a.value.u);
      if (!unit) return refused(URGE.stale);
      const roles = await rolesOfPerson(deps.db, a.operatorOpenId);
      if (
        !roles.some((r) => (URGE_ROLES as readonly string[]).includes(r.role) && unit.path.startsWith(r.path))
      )
        return refused(`只有${unit.name}或上级单位的领导、档案员或管理员可以督办`);
      if (unit.status === 'retired') return refused(`${unit.name}已撤并，不再督办`);
      const outcome = await o.urge({
        unitId: unit.id,
        by: a.operatorOpenId,
        source: 'card',
        cardMessageId: a.messageId,
      });
      const now = deps.clock.now();
      const later = outcome.sendsAt !== undefined && outcome.sendsAt.getTime() > now.getTime();
      const text = {
        sent: later
          ? `现在是免打扰时段，督办将在免打扰结束后发到${unit.name}的群里`
          : // Queued, not yet sent: Lark may still refuse it; then the presser is told (urge-undelivered.ts).
            `督办已安排发送到${unit.name}的群里（${outcome.chats} 个群），一般几秒内送到；没送到会私信告诉您`,
        already: `${unit.name}今天已督办过，明天可以再次督办`,
        full: `${unit.name}的群今天已收到 ${URGES_PER_CHAT_A_DAY} 次督办，为免打扰，明天可以再督办`,
        nothing_due: `${unit.name}现在没有逾期或快到期的任务，无需督办`,
        no_chat: `${unit.name}还没有绑定群聊，督办发不出去：请村干部把机器人拉进村里的工作群并绑定`,
        bot_removed: `机器人已被移出${unit.name}的群，督办发不出去：请群主把机器人重新拉进群`,
        off: `${unit.name}已关闭提醒和督办（管理员的单位设置），现在不能督办`,
        task_not_due: `${unit.name}现在没有逾期或快到期的任务，无需督办`,
      }[outcome.status];
      const ok = outcome.status === 'sent' || outcome.status === 'already';
      const day = localDay(firstSendable(now, o.timeZone, o.quietHours), o.timeZone);
      return {
        toast: { type: ok ? 'success' : 'info', content: text },
        card: { type: 'raw', data: await escalationAsOfDay(deps.db, drawn, day) },
      };
    },
  });
}

/**
 * The escalation `drawn` with each village's 督办 state of `day`: arranged 「已督办 X」 or at the cap,
 * disabled; not urged, or its 督办 closed undelivered (usecases/urge-undelivered.ts), pressable.
 */
export async function escalationAsOfDay(db: Db, drawn: object, day: string): Promise<object> {
  const states = await urgeStates(
    db,
    urgeButtons(drawn).map((b) => b.unitId),
    day,
  );
  return redrawn(drawn, (unitId, name) => {
    const state = states.of(unitId);
    if (state === 'arranged') return `已督办 ${name}`;
    return state === 'full' ? `${name}今天已督办 ${URGES_PER_CHAT_A_DAY} 次` : undefined;
  });
}

interface Button {
  tag: 'button';
  text: { content: string };
  behaviors?: { type: string; value?: { a?: string; u?: unknown } }[];
  disabled?: boolean;
}

const isUrgeButton = (o: Record<string, unknown>): o is Record<string, unknown> & Button =>
  o.tag === 'button' &&
  Array.isArray(o.behaviors) &&
  (o.behaviors as Button['behaviors'])!.some((b) => b.type === 'callback' && b.value?.a === URGE.name);

const unitOf = (b: Button): number =>
  Number(b.behaviors!.find((x) => x.type === 'callback' && x.value?.a === URGE.name)!.value!.u);

/** The 督办 buttons of a card as drawn, with the village each urges. */
function urgeButtons(card: unknown): { unitId: number }[] {
  const out: { unitId: number }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (isUrgeButton(o)) out.push({ unitId: unitOf(o) });
    else Object.values(o).forEach(walk);
  };
  walk(card);
  return out;
}

/**
 * The card as drawn, each 督办 button whose village was urged today (`done` gives 「已督办 河口村」, or
 * 「河口村今天已督办 3 次」 at the day's cap) turned into a disabled one saying so.
 */
function redrawn(card: object, done: (unitId: number, name: string) => string | undefined): object {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (isUrgeButton(o)) {
      const said = done(unitOf(o), o.text.content.replace(/^督办 /, ''));
      if (!said) return o;
      const { behaviors: _gone, ...rest } = o;
      return { ...rest, type: 'default', text: { ...o.text, content: said }, disabled: true };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(card) as object;
}
