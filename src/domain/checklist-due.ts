import type { DueRule } from './checklist.js';
import { localDay, zonedInstant, type WorkingCalendar } from './working-days.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DueContext {
  /** Fixed dates and working-day rules end at 23:59:59 of their day in this zone. */
  timeZone: string;
  /** Needed by `working_days_before_campaign_deadline`. */
  calendar?: WorkingCalendar;
}

/** 23:59:59 of `day` (YYYY-MM-DD) in `timeZone`. */
export const endOfDay = (day: string, timeZone: string): Date =>
  new Date(zonedInstant(day, '23:59', timeZone).getTime() + 59_000);

/**
 * When a task from a checklist item is due. Calendar-day rules count back from the campaign
 * deadline; working-day rules count back working days (holidays skipped, 调休 Saturdays counted)
 * and end with that day; fixed dates are the end of that day in the campaign year.
 */
export function resolveDueAt(
  rule: DueRule | undefined,
  campaign: { year: number; deadline: Date },
  ctx: DueContext,
): Date {
  if (!rule || 'days_before_campaign_deadline' in rule) {
    const days = rule?.days_before_campaign_deadline ?? 0;
    return new Date(campaign.deadline.getTime() - days * DAY_MS);
  }
  if ('working_days_before_campaign_deadline' in rule) {
    const n = rule.working_days_before_campaign_deadline;
    if (n === 0) return campaign.deadline;
    if (!ctx.calendar) throw new Error('working_days_before_campaign_deadline needs a working calendar');
    const day = ctx.calendar.addWorkingDays(localDay(campaign.deadline, ctx.timeZone), -n);
    return endOfDay(day, ctx.timeZone);
  }
  const mm = String(rule.month).padStart(2, '0');
  const lastDay = new Date(Date.UTC(campaign.year, rule.month, 0)).getUTCDate();
  const dd = String(Math.min(rule.day, lastDay)).padStart(2, '0');
  return endOfDay(`${campaign.year}-${mm}-${dd}`, ctx.timeZone);
}
