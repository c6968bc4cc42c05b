import { addDays, localDay, localMinutes, zonedInstant } from './working-days.js';

/** schedules.yaml `quietHours`: no scheduled message goes out between start and end (local 'HH:MM'). */
export type QuietHours = { start: string; end: string } | null;

export const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

/** Is a local time (minutes since midnight) inside quiet hours (which may cross midnight)? */
export function inQuietHours(minutes: number, quiet: QuietHours): boolean {
  if (!quiet) return false;
  const s = toMinutes(quiet.start);
  const e = toMinutes(quiet.end);
  if (s === e) return false;
  return s < e ? minutes >= s && minutes < e : minutes >= s || minutes < e;
}

/** The next end of quiet hours (wall-clock `end`) after `now`. */
export function quietEnd(now: Date, timeZone: string, end: string): Date {
  const today = localDay(now, timeZone);
  const atEnd = zonedInstant(today, end, timeZone);
  return atEnd.getTime() > now.getTime() ? atEnd : zonedInstant(addDays(today, 1), end, timeZone);
}

/**
 * When a message sent at `now` can go out: `now`, or the end of the quiet hours `now` falls in (a
 * 督办 pressed at 21:00 goes out at 08:00 the next morning, and belongs to that morning's day).
 */
export function firstSendable(now: Date, timeZone: string, quiet: QuietHours): Date {
  if (!quiet || !inQuietHours(localMinutes(now, timeZone), quiet)) return now;
  return quietEnd(now, timeZone, quiet.end);
}
