import holidayData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { estimatedHolidays } from './holiday-estimate.js';
import type { CountyHolidays } from './holiday-file.js';

/**
 * The Chinese working-day calendar: public holidays are off, and the weekend days made working days
 * (调休, e.g. Saturday 2026-10-10) are on. Data from the maintained `chinese-days` package, read from
 * its shipped table (its functions build their own table through the process's local time zone and
 * shift by a day west of UTC). A year the county's holidays.yaml lists is taken from it instead
 * (holiday-file.ts); a year neither knows gets the statutory holidays only (holiday-estimate.ts).
 * Days are calendar dates 'YYYY-MM-DD' in the deployment's zone.
 */
export interface WorkingCalendar {
  isWorkingDay(day: string): boolean;
  /** Holiday or 调休 name from the table (e.g. 国庆节), if the day is in it. */
  dayName(day: string): string | undefined;
  /**
   * Whether holidays.yaml or the `chinese-days` table covers the year (otherwise Monday–Friday
   * without the statutory holidays is assumed: a guess, see holiday-estimate.ts).
   */
  knowsYear(year: number): boolean;
  /** Where the year's schedule comes from: the county's file, the package, or neither (a guess). */
  yearSource(year: number): 'holidays.yaml' | 'chinese-days' | undefined;
  /** The day `n` working days after `day` (before it when n < 0); n = 0 → `day`. */
  addWorkingDays(day: string, n: number): string;
  /** Working days d with from < d ≤ to (negative when `to` is before `from`). */
  workingDaysBetween(from: string, to: string): number;
}

type Table = Record<string, string>;
const data = holidayData as { holidays: Table; workdays: Table };

export function createWorkingCalendar(
  opts: { onUnknownYear?: (year: number) => void; county?: CountyHolidays } = {},
): WorkingCalendar {
  const years = new Set(
    [...Object.keys(data.holidays), ...Object.keys(data.workdays)].map((d) => +d.slice(0, 4)),
  );
  const county = opts.county;
  const warned = new Set<number>();
  const memo = new Map<string, boolean>();
  const estimates = new Map<number, Map<string, string>>();
  const estimate = (year: number) => {
    let e = estimates.get(year);
    if (!e) estimates.set(year, (e = estimatedHolidays(year)));
    return e;
  };
  const yearSource = (year: number) =>
    county?.years.has(year)
      ? ('holidays.yaml' as const)
      : years.has(year)
        ? ('chinese-days' as const)
        : undefined;
  const knowsYear = (year: number) => yearSource(year) !== undefined;
  const isWorkingDay = (day: string): boolean => {
    let v = memo.get(day);
    if (v !== undefined) return v;
    const year = +day.slice(0, 4);
    const weekday = isoWeekday(day);
    const source = yearSource(year);
    // The county's days first, whatever their year (元旦 may begin on 30 December of the year before).
    if (county?.holidays.has(day)) v = false;
    else if (county?.workdays.has(day)) v = true;
    else if (source === 'holidays.yaml') v = weekday <= 5;
    else if (source === 'chinese-days') v = day in data.workdays || (weekday <= 5 && !(day in data.holidays));
    else {
      if (!warned.has(year)) {
        warned.add(year);
        opts.onUnknownYear?.(year);
      }
      v = weekday <= 5 && !estimate(year).has(day);
    }
    memo.set(day, v);
    return v;
  };
  const addWorkingDays = (day: string, n: number): string => {
    let d = day;
    const step = n >= 0 ? 1 : -1;
    for (let left = Math.abs(n); left > 0;) {
      d = addDays(d, step);
      if (isWorkingDay(d)) left--;
    }
    return d;
  };
  const workingDaysBetween = (from: string, to: string): number => {
    if (to < from) return -workingDaysBetween(to, from);
    let n = 0;
    for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (isWorkingDay(d)) n++;
    return n;
  };
  const dayName = (day: string) => {
    const own = county?.holidays.get(day) ?? county?.workdays.get(day);
    if (own) return own;
    const year = +day.slice(0, 4);
    const source = yearSource(year);
    if (source === 'holidays.yaml') return undefined;
    if (source === undefined) return estimate(year).get(day);
    const raw = data.workdays[day] ?? data.holidays[day];
    return raw?.split(',')[1];
  };
  return { isWorkingDay, dayName, knowsYear, yearSource, addWorkingDays, workingDaysBetween };
}

const DAY_MS = 86_400_000;
const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** Per zone, each UTC day's offset (ms), or NaN for a day in which the offset changes. */
const dayOffsets = new Map<string, Map<number, number>>();
const DAYS_KEPT = 50_000;

/**
 * Wall-clock parts (year … second, 24-hour) of an instant in a time zone. Intl's formatToParts is
 * slow (an export of 10,000 items spent 0.4 s in it), so each UTC day's offset is learnt from it
 * once (its first and last second agree) and the parts come from the shifted instant; a day in which
 * the zone's offset changes (DST, a zone's history) is formatted instant by instant.
 */
export function partsIn(at: Date, timeZone: string): Record<string, string> {
  const ms = at.getTime();
  const offset = dayOffset(Math.floor(ms / DAY_MS), timeZone);
  if (Number.isNaN(offset)) return formattedParts(at, timeZone);
  const wall = new Date(ms + offset);
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    year: String(wall.getUTCFullYear()),
    month: two(wall.getUTCMonth() + 1),
    day: two(wall.getUTCDate()),
    hour: two(wall.getUTCHours()),
    minute: two(wall.getUTCMinutes()),
    second: two(wall.getUTCSeconds()),
  };
}

function dayOffset(day: number, timeZone: string): number {
  let zone = dayOffsets.get(timeZone);
  if (!zone) dayOffsets.set(timeZone, (zone = new Map()));
  let offset = zone.get(day);
  if (offset === undefined) {
    const start = offsetAt(day * DAY_MS, timeZone);
    offset = start === offsetAt((day + 1) * DAY_MS - 1000, timeZone) ? start : NaN;
    if (zone.size >= DAYS_KEPT) zone.clear();
    zone.set(day, offset);
  }
  return offset;
}

/** Wall clock minus UTC at a whole-second instant, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const p = formattedParts(new Date(instant), timeZone);
  return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - instant;
}

function formattedParts(at: Date, timeZone: string): Record<string, string> {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    dayFormats.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const { type, value } of f.formatToParts(at)) if (type !== 'literal') p[type] = value;
  return p;
}

/** The calendar date of an instant in a time zone: 'YYYY-MM-DD'. */
export function localDay(at: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Minutes since local midnight of an instant in a time zone. */
export function localMinutes(at: Date, timeZone: string): number {
  const p = partsIn(at, timeZone);
  return Number(p.hour) * 60 + Number(p.minute);
}

/** The instant of wall-clock `time` ('HH:MM') on `day` in a time zone. */
export function zonedInstant(day: string, time: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(y, m - 1, d, hh, mm);
  const offset = (instant: number) => offsetAt(instant, timeZone);
  const guess = asUtc - offset(asUtc);
  return new Date(asUtc - offset(guess));
}

/** `day` plus n calendar days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
}

/** ISO 8601 week of a day: '2026-W48'. */
export function isoWeek(day: string): string {
  const thursday = addDays(day, 4 - isoWeekday(day));
  const year = +thursday.slice(0, 4);
  const week = Math.floor((Date.parse(`${thursday}T00:00:00Z`) - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Monday of an ISO week '2026-W48' (week 1 holds 4 January). */
export function isoWeekMonday(week: string): string {
  const [year, n] = week.split('-W') as [string, string];
  return addDays(weekMonday(`${year}-01-04`), (Number(n) - 1) * 7);
}

/** Monday of the ISO week a day falls in. */
export function weekMonday(day: string): string {
  return addDays(day, 1 - isoWeekday(day));
}

/**
 * An instant from ISO text: with a zone ('2026-11-26T09:00:00+08:00', '…Z') as given, without one
 * ('2026-11-26T09:00', '2026-11-26') as wall-clock time in `timeZone`. Undefined when malformed.
 */
export function parseInstant(text: string, timeZone: string): Date | undefined {
  const t = text.trim();
  if (/(?:[zZ]|[+-]\d\d:?\d\d)$/.test(t)) {
    const d = new Date(t);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d)(?::\d\d)?)?$/.exec(t);
  return m ? zonedInstant(m[1]!, m[2] ?? '00:00', timeZone) : undefined;
}

/**
 * 「逾期 N 天」: whole calendar days from the due day to `now`'s day in the zone, at least 1 once past
 * due (a task due at the end of yesterday is 1 day overdue this morning, never 「逾期 0 天」), 0
 * before. The one rule of every card, page and digest.
 */
export function daysOverdue(dueAt: Date, now: Date, timeZone: string): number {
  if (now.getTime() <= dueAt.getTime()) return 0;
  const days = Math.round(
    (Date.parse(`${localDay(now, timeZone)}T00:00:00Z`) -
      Date.parse(`${localDay(dueAt, timeZone)}T00:00:00Z`)) /
      DAY_MS,
  );
  return Math.max(1, days);
}
