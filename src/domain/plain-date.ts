import { addDays, isoWeek, partsIn } from './working-days.js';

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

/**
 * An ISO week as people say it: 「第19周（5月4日—10日）」, 「第18周（4月27日—5月3日）」, with the year
 * in front when it is not the current one (「2025年第52周（12月22日—28日）」). `monday` is 'YYYY-MM-DD'.
 */
export function weekName(monday: string, today: string): string {
  const sunday = addDays(monday, 6);
  const [wy, wn] = isoWeek(monday).split('-W') as [string, string];
  const md = (d: string) => `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
  const end = sunday.slice(5, 7) === monday.slice(5, 7) ? `${Number(sunday.slice(8, 10))}日` : md(sunday);
  return `${wy === today.slice(0, 4) ? '' : `${wy}年`}第${Number(wn)}周（${md(monday)}—${end}）`;
}

/** A day 'YYYY-MM-DD' as 「6月30日」, with the year when it is not `today`'s (「2027年2月2日」). */
export function plainDay(day: string, today: string): string {
  const year = day.slice(0, 4) === today.slice(0, 4) ? '' : `${day.slice(0, 4)}年`;
  return `${year}${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;
}
