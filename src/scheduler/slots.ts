import { addDays, isoWeekday, localDay, zonedInstant } from '../domain/working-days.js';

/** When a job fires: every day (or on some ISO weekdays, 1 = Monday) at a wall-clock time. */
export interface JobTiming {
  /** 'HH:MM' in the configured zone. */
  time: string;
  weekdays?: number[];
}

/** node-cron's six-field expression for a timing (node-cron counts Sunday as 0). */
export function cronExpression(t: JobTiming): string {
  const [hh, mm] = t.time.split(':').map(Number) as [number, number];
  const days = t.weekdays?.length ? [...new Set(t.weekdays.map((d) => d % 7))].sort().join(',') : '*';
  return `0 ${mm} ${hh} * * ${days}`;
}

/** The most recent slot at or before `now`, and its local day. */
export function latestSlot(t: JobTiming, now: Date, timeZone: string): { slot: Date; day: string } {
  const today = localDay(now, timeZone);
  for (let k = 0; k <= 8; k++) {
    const day = addDays(today, -k);
    if (t.weekdays?.length && !t.weekdays.includes(isoWeekday(day))) continue;
    const slot = zonedInstant(day, t.time, timeZone);
    if (slot.getTime() <= now.getTime()) return { slot, day };
  }
  throw new Error(`no slot of ${t.time} within 8 days before ${now.toISOString()}`);
}
