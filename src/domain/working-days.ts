import holidayData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

/**
 * The Chinese working-day calendar: public holidays are off, and the weekend days made working days
 * (调休, e.g. Saturday 2026-10-10) are on. Data from the maintained `chinese-days` package, read from
 * its shipped table (its functions build their own table through the process's local time zone and
 * shift by a day west of UTC). Days are calendar dates 'YYYY-MM-DD' in the deployment's zone.
 */
export interface WorkingCalendar {
  isWorkingDay(day: string): boolean;
  /** Holiday or 调休 name from the table (e.g. 国庆节), if the day is in it. */
  dayName(day: string): string | undefined;
  /** Whether the holiday table covers the year (otherwise Monday–Friday is assumed). */
  knowsYear(year: number): boolean;
  /** The day `n` working days after `day` (before it when n < 0); n = 0 → `day`. */
  addWorkingDays(day: string, n: number): string;
  /** Working days d with from < d ≤ to (negative when `to` is before `from`). */
  workingDaysBetween(from: string, to: string): number;
}

type Table = Record<string, string>;
const data = holidayData as { holidays: Table; workdays: Table };

export function createWorkingCalendar(
  opts: { onUnknownYear?: (year: number) => void } = {},
): WorkingCalendar {
  const years = new Set(
    [...Object.keys(data.holidays), ...Object.keys(data.workdays)].map((d) => +d.slice(0, 4)),
  );
  const warned = new Set<number>();
  const memo = new Map<string, boolean>();
  const knowsYear = (year: number) => years.has(year);
  const isWorkingDay = (day: string): boolean => {
    let v = memo.get(day);
    if (v !== undefined) return v;
    const year = +day.slice(0, 4);
    const weekday = isoWeekday(day);
    if (!knowsYear(year)) {
      if (!warned.has(year)) {
        warned.add(year);
        opts.onUnknownYear?.(year);
      }
      v = weekday <= 5;
    } else {
      v = day in data.workdays || (weekday <= 5 && !(day in data.holidays));
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
    const raw = data.workdays[day] ?? data.holidays[day];
    return raw?.split(',')[1];
  };
  return { isWorkingDay, dayName, knowsYear, addWorkingDays, workingDaysBetween };
}

const DAY_MS = 86_400_000;
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts (year … second, 24-hour) of an instant in a time zone; formatters are cached. */
export function partsIn(at: Date, timeZone: string): Record<string, string> {
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
  return Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
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
  const offset = (instant: number) => {
    const p = partsIn(new Date(instant), timeZone);
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - instant;
  };
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
