import { partsIn } from './working-days.js';

/**
 * Dates as people read them in chat: 「5月6日」, with the year only when it is not the current one
 * (「2026年2月2日」), so a deadline next year never looks like one this year.
 */
export function plainDate(at: Date, now: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  const year = partsIn(now, timeZone).year === p.year ? '' : `${p.year}年`;
  return `${year}${Number(p.month)}月${Number(p.day)}日`;
}

/** 「5月6日 10:20」 (year as in plainDate). */
export function plainDateTime(at: Date, now: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  return `${plainDate(at, now, timeZone)} ${p.hour}:${p.minute}`;
}
