import {
  escalationCard,
  escalationText,
  reminderCard,
  reminderText,
  type ReminderLine,
  type ReminderView,
} from '../cards/reminder-card.js';
import type { Db } from '../db/client.js';
import { unitsWithOpenTasks } from '../db/repos/completeness.js';
import { personNames, reminderAudience } from '../db/repos/reminder-audience.js';
import { reminderCandidates, splitList } from '../db/repos/reminder-candidates.js';
import type { NewScheduledSend } from '../db/repos/schedule-sends.js';
import { missingText } from '../domain/checklist-task-state.js';
import { plainDay } from '../domain/plain-date.js';
import { currentOwners } from '../domain/task-owners.js';
import { pathIdsOf, planReminders, remindersOffFor } from '../domain/reminder-plan.js';
import { oneCardEach, unfiledBursts, type UnfiledBurst } from '../db/repos/unfiled-bursts.js';
import { unforwardedDirect } from '../db/repos/unforwarded-direct.js';
import { unforwardedCard, unforwardedText } from '../cards/unforwarded-card.js';
import { addDays, localDay, zonedInstant, type WorkingCalendar } from '../domain/working-days.js';
import { unitsCalled } from './unit-naming.js';
import { personName } from '../domain/person-name.js';

export interface ReminderOptions {
  timeZone: string;
  /** Tasks due within this many days (today included) are listed too. */
  dueSoonDays: number;
  maxItems: number;
  escalation: { townshipAfterWorkingDays: number; countyAfterWorkingDays: number; maxItems: number };
  /** PUBLIC_URL: cards link to the unit's web page. */
  publicUrl?: string;
  /** Whether bursts named as unfiled get their filing card again (some feature sends it). */
  cardsAgain?: boolean;
}

/** At most this many bursts of one chat get their card again with one reminder (the rest: 未归档). */
const CARDS_AGAIN_PER_CHAT = 5;

/**
 * A rendered send, plus a plain-text rendition when asked for (dry runs print both), and the bursts
 * whose filing card goes out again with it.
 */
export type RenderedSend = NewScheduledSend & {
  text?: string;
  cardsAgain?: number[];
  /** A chat's reminder: what its card shows (督办 renders its own card from it). */
  view?: ReminderView;
};

const DAY_MS = 86_400_000;

/**
 * Everything the daily reminder run would send at `at`: one card per bound chat whose unit has
 * overdue or soon-due tasks (listing what is missing, @mentioning the owners), and one direct
 * message per township/county leader with the work overdue past the escalation thresholds.
 * Set-based: one candidates query for the whole database and one audience read.
 * `only.unitId` keeps the messages for that unit's chats and its leaders; `only.text` adds the
 * plain-text renditions (CLI).
 */
export async function buildReminders(
  db: Db,
  at: Date,
  opts: ReminderOptions,
  calendar: WorkingCalendar,
  /** `taskId` (督办 of one task): the unit's chats list that task too when it is open and due. */
  only: { unitId?: number; text?: boolean; taskId?: number } = {},
): Promise<RenderedSend[]> {
  const onlyUnitId = only.unitId;
  const tz = opts.timeZone;
  const day = localDay(at, tz);
  const horizon = zonedInstant(addDays(day, opts.dueSoonDays + 1), '00:00', tz);
  const notAfter = zonedInstant(addDays(day, 1), '00:00', tz);
  // A burst waiting since before the same time on the previous working day is chased.
  const previous = calendar.addWorkingDays(day, -1);
  const waitedSince = new Date(
    at.getTime() - (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${previous}T00:00:00Z`)),
  );
  const [tasks, audience, unfiled] = await Promise.all([
    reminderCandidates(db, { horizon, timeZone: tz }),
    reminderAudience(db),
    unfiledBursts(db, { lastBefore: waitedSince, limit: 20_000 }),
  ]);
  const unfiledByChat = new Map<string, UnfiledBurst[]>();
  for (const b of unfiled) unfiledByChat.set(b.chatId, [...(unfiledByChat.get(b.chatId) ?? []), b]);
  const plan = planReminders({
    now: at,
    tasks,
    units: audience.units,
    chatsByUnit: audience.chatsByUnit,
    leadersByUnit: audience.leadersByUnit,
    workingDaysLate: (dueDay) => (dueDay < day ? Math.max(0, calendar.workingDaysBetween(dueDay, day)) : 0),
    escalation: {
      township: opts.escalation.townshipAfterWorkingDays,
      county: opts.escalation.countyAfterWorkingDays,
    },
    maxItems: opts.maxItems,
    escalationMaxItems: opts.escalation.maxItems,
  });
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  const chats = plan.chats.filter((c) => onlyUnitId === undefined || c.unitId === onlyUnitId);
  // --unit: a leader's escalation counts when it is for that unit or names that unit's tasks.
  const escalations = plan.escalations.filter(
    (e) =>
      onlyUnitId === undefined ||
      e.unitIds.includes(onlyUnitId) ||
      e.items.some((i) => byId.get(i.taskId)?.unitId === onlyUnitId),
  );
  // A role held at a unit covers its subtree: an owner still counts with a role at the task's unit or above.
  const holdsRoleAt = (unitId: number) => {
    const path = audience.units.get(unitId)?.path;
    const line = path ? pathIdsOf(path) : [unitId];
    return (openId: string) =>
      line.some(
        (id) =>
          audience.officersByUnit.get(id)?.includes(openId) ||
          audience.leadersByUnit.get(id)?.includes(openId),
      );
  };
  const ownersOf = (taskId: number): string[] => {
    const t = byId.get(taskId)!;
    return currentOwners(
      splitList(t.responsible),
      holdsRoleAt(t.unitId),
      audience.officersByUnit.get(t.unitId) ?? [],
    );
  };
  const owners = new Set<string>();
  for (const e of escalations) for (const i of e.items) for (const o of ownersOf(i.taskId)) owners.add(o);
  const names = await personNames(db, owners);
  const line = (taskId: number): ReminderLine => {
    const t = byId.get(taskId)!;
    const late = Math.max(
      0,
      Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${t.dueDay}T00:00:00Z`)) / DAY_MS),
    );
    return {
      taskId,
      code: t.code,
      title: t.title,
      householdName: t.householdName,
      missingText: missingText(splitList(t.kinds), t.missing),
      dueLabel: plainDay(t.dueDay, day),
      overdueDays: t.dueMs < at.getTime() ? Math.max(1, late) : 0,
    };
  };

  // Chats with nothing due but materials nobody filed get a reminder for those alone.
  const unitOfChatId = new Map<string, number>();
  for (const [unitId, chatIds] of audience.chatsByUnit) for (const c of chatIds) unitOfChatId.set(c, unitId);
  const listed = new Set(chats.map((c) => c.chatId));
  const chaseOnly = [...unfiledByChat.keys()]
    .filter((chatId) => !listed.has(chatId) && unitOfChatId.has(chatId))
    .map((chatId) => ({ chatId, unitId: unitOfChatId.get(chatId)!, taskIds: [], overdue: 0, dueSoon: 0 }))
    .filter((c) => onlyUnitId === undefined || c.unitId === onlyUnitId)
    .filter((c) => {
      const unit = audience.units.get(c.unitId);
      return unit !== undefined && !remindersOffFor(unit, audience.units);
    });
  // A unit with no open task (a township, a village before its first 任务清单, one whose tasks are all
  // waived) has nothing to file its chat's materials to: a daily 「还有 1 组材料没交到任务里」 and a card
  // again offering no task was a dead end. They are chased once it has one (the filing card says so).
  const fileable = await unitsWithOpenTasks(db, [...new Set(chaseOnly.map((c) => c.unitId))]);
  const chased = chaseOnly.filter((c) => fileable.has(c.unitId));

  // The text form (`npm run remind -- --dry-run`) names whom a message @mentions or goes to, never ou_….
  const textNames = only.text
    ? await personNames(
        db,
        new Set([
          ...owners,
          ...[...audience.officersByUnit.values()].flat(),
          ...escalations.map((e) => e.openId),
        ]),
      )
    : names;
  // Every unit the cards name, named as answers name them (two 东村 of two townships: 城关镇东村), read once.
  const plainName = (id: number) => ({ id, name: audience.units.get(id)?.name ?? String(id) });
  const called = await unitsCalled(db, [
    ...[...chats, ...chased].map((c) => plainName(c.unitId)),
    ...escalations.flatMap((e) => [...e.unitIds, ...e.items.map((i) => i.unitId)].map(plainName)),
  ]);
  const unitName = (id: number) => called(plainName(id));
  const sends: RenderedSend[] = [];
  for (const c of [...chats, ...chased]) {
    const waiting = unfiledByChat.get(c.chatId) ?? [];
    // Cards go out again for the oldest waiting bursts whose last card is a working day old (a split
    // burst's parts on one parts card).
    const again = opts.cardsAgain
      ? oneCardEach(waiting.filter((b) => b.lastCardAt < waitedSince)).slice(0, CARDS_AGAIN_PER_CHAT)
      : [];
    // 督办 of one task past the item limit: listed too, so the 督办 can name it.
    const urged = only.taskId !== undefined ? byId.get(only.taskId) : undefined;
    const taskIds =
      urged && urged.unitId === c.unitId && !c.taskIds.includes(urged.taskId)
        ? [...c.taskIds, urged.taskId]
        : c.taskIds;
    const responsible = new Set(taskIds.flatMap(ownersOf));
    const mentions = responsible.size > 0 ? [...responsible] : (audience.officersByUnit.get(c.unitId) ?? []);
    const view = {
      unitId: c.unitId,
      unitName: unitName(c.unitId),
      lines: taskIds.map(line),
      more: c.overdue + c.dueSoon - taskIds.length,
      overdue: c.overdue,
      dueSoon: c.dueSoon,
      mentions,
      pageUrl: opts.publicUrl ? `${opts.publicUrl}/units/${c.unitId}` : undefined,
      // A split burst's parts are one 组 with one parts card, as 未归档 lists them.
      unfiled: { total: oneCardEach(waiting).length, cardsAgain: again.length },
    };
    sends.push({
      kind: 'reminder',
      target: c.chatId,
      period: day,
      receiveIdType: 'chat_id',
      receiveId: c.chatId,
      msgType: 'interactive',
      content: JSON.stringify(reminderCard(view)),
      unitId: c.unitId,
      taskIds,
      notAfter,
      text: only.text ? reminderText(view, textNames) : undefined,
      view,
      ...(again.length > 0 ? { cardsAgain: again.map((b) => b.id) } : {}),
    });
  }
  for (const e of escalations) {
    const view = {
      publicUrl: opts.publicUrl,
      scopes: e.unitIds.map((id) => ({ id, name: unitName(id) })),
      total: e.total,
      overdue: e.overdue,
      afterWorkingDays: e.afterWorkingDays,
      lines: e.items.map((i) => ({
        ...line(i.taskId),
        unitId: i.unitId,
        unitName: unitName(i.unitId),
        workingDaysLate: i.workingDaysLate,
        owners: ownersOf(i.taskId).map((o) => personName(names, o)),
      })),
    };
    sends.push({
      kind: 'escalation',
      target: e.openId,
      period: day,
      receiveIdType: 'open_id',
      receiveId: e.openId,
      msgType: 'interactive',
      content: JSON.stringify(escalationCard(view)),
      unitId: e.unitIds[0],
      taskIds: e.items.map((i) => i.taskId),
      notAfter,
      text: only.text ? `→ ${personName(textNames, e.openId)}\n${escalationText(view)}` : undefined,
    });
  }
  // Files sent to the bot in a direct chat, still in no work group: asked after once, by the run a working
  // day after (the bursts that finished waiting since the previous working day's run).
  if (onlyUnitId === undefined && only.taskId === undefined) {
    const since = new Date(
      waitedSince.getTime() -
        (Date.parse(`${previous}T00:00:00Z`) - Date.parse(`${calendar.addWorkingDays(day, -2)}T00:00:00Z`)),
    );
    for (const u of await unforwardedDirect(db, { since, until: waitedSince })) {
      const view = { counts: u.counts, sentDay: plainDay(localDay(u.firstAt, tz), day) };
      sends.push({
        kind: 'unforwarded',
        target: u.chatId,
        period: day,
        receiveIdType: 'chat_id',
        receiveId: u.chatId,
        msgType: 'interactive',
        content: JSON.stringify(unforwardedCard(view)),
        taskIds: [],
        notAfter,
        text: only.text
          ? `→ ${personName(textNames, u.senderOpenId)}（私聊）\n${unforwardedText(view)}`
          : undefined,
      });
    }
  }
  return sends;
}
