import type { Db } from '../db/client.js';
import { insertAudit } from '../db/repos/audit.js';
import { claimSends } from '../db/repos/schedule-sends.js';
import { urgesOfDay } from '../db/repos/urge-day.js';
import { chatsOfUnit, hasPausedChat } from '../db/repos/units-chat-bindings.js';
import { audienceUnitsOnPath, personNames } from '../db/repos/reminder-audience.js';
import { rolesOfPerson } from '../db/repos/viewer-roles.js';
import { urgeCard } from '../cards/urge-card.js';
import { urgerLabel } from '../domain/urger-label.js';
import { firstSendable, type QuietHours } from '../domain/quiet-hours.js';
import { remindersOffFor } from '../domain/reminder-plan.js';
import { urgePeriod } from '../domain/urge-period.js';
import { localDay, type WorkingCalendar } from '../domain/working-days.js';
import type { Clock } from '../ports/clock.js';
import { buildReminders, type ReminderOptions } from './build-reminders.js';

export interface UrgeOutcome {
  /**
   * sent: queued (or queued again after that day's 督办 was not delivered) · already: each chat has
   * this 督办 that day (the village's, or this task's — or the village's, which named it), sent or still
   * queued · full: the chats had URGES_PER_CHAT_A_DAY 督办 that day already · nothing_due: nothing overdue or due soon ·
   * no_chat: the unit has no bound chat · bot_removed: its chats' bindings are paused (the bot was removed
   * from them) · off: reminders (and so 督办) are turned off for the unit or above ·
   * task_not_due: the one task urged is no longer open and missing materials (交齐 or 免交 since)
   */
  status: 'sent' | 'already' | 'full' | 'nothing_due' | 'no_chat' | 'bot_removed' | 'off' | 'task_not_due';
  /** already: a task's 督办 refused because the village's (naming all its overdue tasks) went that day. */
  covered?: boolean;
  chats: number;
  /** When it goes out: later than now when pressed in quiet hours (their end); absent: now. */
  sendsAt?: Date;
}

/** Whether the unit or a unit above it has reminders off (units set … reminders=off), as the daily run reads it. */
async function remindersOff(db: Db, unitId: number): Promise<boolean> {
  const line = await audienceUnitsOnPath(db, unitId);
  const unit = line.get(unitId);
  return unit !== undefined && remindersOffFor(unit, line);
}

/**
 * Who pressed 督办, as the card names them: their role on the unit or above and their name — the
 * people table's, else the one Lark gave at sign-in (`larkName`), else the role alone.
 */
async function whoUrged(db: Db, unitId: number, openId: string, larkName?: string): Promise<string> {
  const line = await audienceUnitsOnPath(db, unitId);
  const roles = (await rolesOfPerson(db, openId)).flatMap((r) => {
    const u = line.get(r.unitId);
    return u ? [{ role: r.role, unitName: u.name, depth: u.path.split('/').length }] : [];
  });
  const known = (await personNames(db, [openId])).get(openId)?.trim();
  const lark = larkName?.trim() && larkName.trim() !== openId ? larkName.trim() : undefined;
  return urgerLabel(roles, known || lark);
}

/**
 * 督办 from the web page (or a leader's escalation card): the unit's chats get a 督办 card now (`cards/urge-card.ts`: 「📌 督办」, who
 * pressed it, the task urged — or the unit's overdue ones — first, then the rest the daily reminder
 * lists, with the reminder's @mentions and ways to file), claimed in `scheduled_sends` as kind `urge`
 * under (chat, local day) for the village, (chat, local day, task) for one task (`domain/urge-period.ts`),
 * so whoever presses it and however often, a chat gets each 督办 once a day, a task's none after the
 * village's, and at most URGES_PER_CHAT_A_DAY in all; the `scheduled-send` job delivers it.
 * One that was not delivered (Lark refused it, every attempt failed, or it expired) does not count:
 * pressing again claims it again (`claimSends` `again`), so the page's 「督办未送达」 can be acted on.
 * Pressed in quiet hours, it is built and queued for their end and counts for that day (a card kept
 * to the pressing day would expire unsent overnight).
 */
export async function urgeNow(
  deps: { db: Db; clock: Clock; wakeJobs: () => void },
  opts: { reminders: ReminderOptions; calendar: WorkingCalendar; perSecond: number; quietHours: QuietHours },
  /**
   * `by`: the open_id pressing it; `byName`: the name Lark gave at sign-in; `source`: the page's
   * button (default) or the escalation card's (usecases/urge-card-action.ts).
   */
  input: {
    unitId: number;
    taskId?: number;
    by: string;
    byName?: string;
    source?: 'page' | 'card';
    /** The escalation card pressed (`source` card): redrawn pressable again if it is not delivered. */
    cardMessageId?: string;
  },
): Promise<UrgeOutcome> {
  const now = deps.clock.now();
  const tz = opts.reminders.timeZone;
  const sendsAt = firstSendable(now, tz, opts.quietHours);
  // The card as of the morning it is read (days overdue, due soon), valid through that day.
  const sends = await buildReminders(deps.db, sendsAt, opts.reminders, opts.calendar, {
    unitId: input.unitId,
    taskId: input.taskId,
  });
  // The unit's own chats (escalations to leaders stay with the daily run).
  const chats = sends.filter((s) => s.kind === 'reminder');
  if (chats.length === 0) {
    const bound = await chatsOfUnit(deps.db, input.unitId);
    // The bot removed from the village's chat: its binding waits paused. 「还没有绑定群聊」 sent the
    // leader to have a chat bound that was bound all along.
    if (bound.length === 0)
      return {
        status: (await hasPausedChat(deps.db, input.unitId)) ? 'bot_removed' : 'no_chat',
        chats: 0,
        sendsAt,
      };
    return { status: (await remindersOff(deps.db, input.unitId)) ? 'off' : 'nothing_due', chats: 0, sendsAt };
  }
  // One task urged (a 逾期 row, a task page) that is 交齐 or 免交 by now: nothing to urge about it.
  const listsTask = (v: (typeof chats)[number]['view']) =>
    v?.lines.some((l) => l.taskId === input.taskId) === true;
  if (input.taskId !== undefined && !chats.some((s) => listsTask(s.view)))
    return { status: 'task_not_due', chats: 0, sendsAt };
  const by = await whoUrged(deps.db, input.unitId, input.by, input.byName);
  const day = localDay(sendsAt, tz);
  const period = urgePeriod(day, input.taskId);
  const claimed = await claimSends(
    deps.db,
    chats.map(({ text: _text, cardsAgain: _again, view, ...s }) => {
      const lines = view?.lines ?? [];
      const urged =
        input.taskId !== undefined
          ? lines.filter((l) => l.taskId === input.taskId)
          : lines.filter((l) => l.overdueDays > 0);
      // The urged task first, so a reply's choice of tasks offers it first.
      const taskIds = [...urged.map((l) => l.taskId!), ...s.taskIds.filter((id) => id !== input.taskId)];
      const content = view
        ? JSON.stringify(urgeCard({ ...view, by, urged, oneTask: input.taskId !== undefined }))
        : s.content;
      return { ...s, content, taskIds: [...new Set(taskIds)], kind: 'urge' as const, period };
    }),
    { now, startAt: sendsAt, perSecond: opts.perSecond, again: true, urge: true },
  );
  if (claimed === 0) {
    // Not claimed: this 督办 is there already (or the village's, naming the task), else the cap.
    const today = await urgesOfDay(
      deps.db,
      chats.map((s) => s.target),
      day,
    );
    if (today.some((u) => u.period === period && u.live))
      return { status: 'already', chats: chats.length, sendsAt };
    if (today.some((u) => u.period === day && (u.status === 'pending' || u.status === 'sent')))
      return { status: 'already', covered: true, chats: chats.length, sendsAt };
    return { status: 'full', chats: chats.length, sendsAt };
  }
  await insertAudit(deps.db, {
    at: now,
    actor: input.by,
    action: 'urge',
    source: input.source ?? 'page',
    unitId: input.unitId,
    taskId: input.taskId ?? null,
    // `by`: who pressed it as the card names them, for the pages' 「上次督办」; `period`: the sends it
    // claimed (a village urged for two tasks in a day: each 督办 names its own presser).
    details: { chats: claimed, by, period, ...(input.cardMessageId ? { card: input.cardMessageId } : {}) },
  });
  deps.wakeJobs();
  return { status: 'sent', chats: claimed, sendsAt };
}
