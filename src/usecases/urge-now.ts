import type { Db } from '../db/client.js';
import { insertAudit } from '../db/repos/audit.js';
import { claimSends } from '../db/repos/schedule-sends.js';
import { chatsOfUnit, hasPausedChat } from '../db/repos/units-chat-bindings.js';
import { audienceUnitsOnPath } from '../db/repos/reminder-audience.js';
import { firstSendable, type QuietHours } from '../domain/quiet-hours.js';
import { remindersOffFor } from '../domain/reminder-plan.js';
import { localDay, type WorkingCalendar } from '../domain/working-days.js';
import type { Clock } from '../ports/clock.js';
import { buildReminders, type ReminderOptions } from './build-reminders.js';

export interface UrgeOutcome {
  /**
   * sent: queued (or queued again after that day's 督办 was not delivered) · already: each chat has a
   * 督办 that day, sent or still queued · nothing_due: nothing overdue or due soon ·
   * no_chat: the unit has no bound chat · bot_removed: its chats' bindings are paused (the bot was removed
   * from them) · off: reminders (and so 督办) are turned off for the unit or above
   */
  status: 'sent' | 'already' | 'nothing_due' | 'no_chat' | 'bot_removed' | 'off';
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
 * 督办 from the web page: the unit's chats get the daily reminder's card now (same wording, same
 * @mentions), claimed in `scheduled_sends` as kind `urge` under (chat, local day), so whoever presses
 * it and however often, a chat gets at most one 督办 a day; the `scheduled-send` job delivers it.
 * One that was not delivered (Lark refused it, every attempt failed, or it expired) does not count:
 * pressing again claims it again (`claimSends` `again`), so the page's 「督办未送达」 can be acted on.
 * Pressed in quiet hours, it is built and queued for their end and counts for that day (a card kept
 * to the pressing day would expire unsent overnight).
 */
export async function urgeNow(
  deps: { db: Db; clock: Clock; wakeJobs: () => void },
  opts: { reminders: ReminderOptions; calendar: WorkingCalendar; perSecond: number; quietHours: QuietHours },
  input: { unitId: number; taskId?: number; by: string },
): Promise<UrgeOutcome> {
  const now = deps.clock.now();
  const tz = opts.reminders.timeZone;
  const sendsAt = firstSendable(now, tz, opts.quietHours);
  // The card as of the morning it is read (days overdue, due soon), valid through that day.
  const sends = await buildReminders(deps.db, sendsAt, opts.reminders, opts.calendar, {
    unitId: input.unitId,
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
  const day = localDay(sendsAt, tz);
  const claimed = await claimSends(
    deps.db,
    chats.map(({ text: _text, ...s }) => ({ ...s, kind: 'urge' as const, period: day })),
    { now, startAt: sendsAt, perSecond: opts.perSecond, again: true },
  );
  if (claimed === 0) return { status: 'already', chats: chats.length, sendsAt };
  await insertAudit(deps.db, {
    at: now,
    actor: input.by,
    action: 'urge',
    source: 'page',
    unitId: input.unitId,
    taskId: input.taskId ?? null,
    details: { chats: claimed },
  });
  deps.wakeJobs();
  return { status: 'sent', chats: claimed, sendsAt };
}
