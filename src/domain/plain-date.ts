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

/**
 * Whole ISO weeks from `monday` on, named as `weekName` names one: 「第7—8周（2月9日—22日）」 (a digest
 * that went out late or after a week without working days reports every week since the last one).
 */
export function weeksName(monday: string, weeks: number, today: string): string {
  if (weeks <= 1) return weekName(monday, today);
  const last = addDays(monday, 7 * (weeks - 1));
  const sunday = addDays(last, 6);
  const [y1, w1] = isoWeek(monday).split('-W') as [string, string];
  const [y2, w2] = isoWeek(last).split('-W') as [string, string];
  const year = (y: string) => (y === today.slice(0, 4) ? '' : `${y}年`);
  const md = (d: string) => `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
  const end = sunday.slice(0, 7) === monday.slice(0, 7) ? `${Number(sunday.slice(8, 10))}日` : md(sunday);
  const span =
    y1 === y2
      ? `${year(y1)}第${Number(w1)}—${Number(w2)}周`
      : `${year(y1)}第${Number(w1)}周—${year(y2)}第${Number(w2)}周`;
  return `${span}（${md(monday)}—${end}）`;
}

/** A day 'YYYY-MM-DD' as 「6月30日」, with the year when it is not `today`'s (「2027年2月2日」). */
export function plainDay(day: string, today: string): string {
  const year = day.slice(0, 4) === today.slice(0, 4) ? '' : `${day.slice(0, 4)}年`;
  return `${year}${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;
}
