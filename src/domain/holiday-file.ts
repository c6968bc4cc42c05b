import { AppError } from '../errors.js';

/**
 * holidays.yaml: the county's own copy of the State Council's 放假安排 (国务院办公厅关于X年部分节假日
 * 安排的通知), per year the holiday ranges and the 调休 working weekends. A year listed here replaces
 * the `chinese-days` table for that year (so a county need not wait for the package's December
 * release). Validated whole: every problem is listed with an example of a right value.
 */
export interface HolidayYear {
  holidays: { name: string; from: string; to: string }[];
  workdays: { date: string; name?: string }[];
}

/** The county's years, and per day what the file says of it (a holiday or a 调休 working day). */
export interface CountyHolidays {
  years: ReadonlyMap<number, HolidayYear>;
  /** Day 'YYYY-MM-DD' → holiday name. */
  holidays: ReadonlyMap<string, string>;
  /** Day 'YYYY-MM-DD' → 调休 name (the holiday it makes up for, '调休' when not given). */
  workdays: ReadonlyMap<string, string>;
}

const WEEKDAYS = ['', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'];
/** A holiday longer than this is a typing mistake (the longest, 春节, runs 8 or 9 days). */
const MAX_RANGE_DAYS = 15;

/** Validates a parsed holidays.yaml (or a plain object in tests). */
export function parseHolidayFile(raw: unknown, source = 'holidays.yaml'): CountyHolidays {
  const problems: string[] = [];
  const years = new Map<number, HolidayYear>();
  const holidays = new Map<string, string>();
  const workdays = new Map<string, string>();
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    problems.push('文件要按年份分段，例如第一行写 2027:，下面缩进写 holidays: 和 workdays:');
  else {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      const year = Number(key);
      if (!/^\d{4}$/.test(key) || year < 2000 || year > 2100) {
        problems.push(`「${key}」不是年份：每一段以年份开头，例如 2027:`);
        continue;
      }
      const y = parseYear(year, value, (p) => problems.push(`${year} 年：${p}`));
      if (!y) continue;
      years.set(year, y);
      for (const h of y.holidays) for (let d = h.from; d <= h.to; d = nextDay(d)) holidays.set(d, h.name);
      for (const w of y.workdays) workdays.set(w.date, w.name ?? '调休');
    }
  }
  if (problems.length > 0)
    throw new AppError(
      'bad_holiday_config',
      `${source} 有误：\n${problems.map((p) => `  - ${p}`).join('\n')}\n  （写法见程序目录的 config/holidays.example.yaml）`,
    );
  return { years, holidays, workdays };
}

function parseYear(year: number, value: unknown, problem: (p: string) => void): HolidayYear | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problem('下面要缩进写 holidays:（放假）和 workdays:（调休上班）');
    return undefined;
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v))
    if (key !== 'holidays' && key !== 'workdays')
      problem(`不认识「${key}」：只能写 holidays:（放假）和 workdays:（调休上班）`);
  const before = { count: 0 };
  const counted = (p: string) => {
    before.count++;
    problem(p);
  };
  const holidays: HolidayYear['holidays'] = [];
  const example = `例如 - { name: 春节, from: ${year}-02-06, to: ${year}-02-13 }`;
  if (!Array.isArray(v.holidays) || v.holidays.length === 0)
    counted(`holidays: 没有填写假期：按通知逐条写，${example}`);
  else
    v.holidays.forEach((h: unknown, i) => {
      const at = `holidays 第 ${i + 1} 条`;
      if (typeof h !== 'object' || h === null || Array.isArray(h)) {
        counted(`${at}：要写名称和起止日期，${example}`);
        return;
      }
      const r = h as Record<string, unknown>;
      const name = typeof r.name === 'string' ? r.name.trim() : '';
      if (!name) counted(`${at}：没有写 name（假期名称），${example}`);
      const label = name ? `${at}（${name}）` : at;
      const from = dateOf(r.from, `${label} from`, year, counted, true);
      const to = dateOf(r.to, `${label} to`, year, counted, false);
      if (!name || !from || !to) return;
      if (to < from) counted(`${label}：to ${to} 早于 from ${from}，${example}`);
      else if (daysFrom(from, to) + 1 > MAX_RANGE_DAYS)
        counted(`${label}：${from} 至 ${to} 超过 ${MAX_RANGE_DAYS} 天，请检查月份是否写错，${example}`);
      else holidays.push({ name, from, to });
    });
  const sorted = [...holidays].sort((a, b) => a.from.localeCompare(b.from));
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.from <= a.to)
      counted(
        `${a.name}（${a.from} 至 ${a.to}）和 ${b.name}（${b.from} 至 ${b.to}）的日期重叠，请对照通知改正`,
      );
  }
  const workdays: HolidayYear['workdays'] = [];
  const wExample = `例如 - { date: ${year}-02-20, name: 春节 } 或 - ${year}-02-20`;
  if (v.workdays !== undefined && v.workdays !== null && !Array.isArray(v.workdays))
    counted(`workdays: 要逐行写调休上班的日子，${wExample}；没有调休就不写 workdays`);
  const seen = new Set<string>();
  for (const [i, w] of (Array.isArray(v.workdays) ? v.workdays : []).entries()) {
    const at = `workdays 第 ${i + 1} 条`;
    const r = (typeof w === 'object' && w !== null && !(w instanceof Date) ? w : { date: w }) as Record<
      string,
      unknown
    >;
    const date = dateOf(r.date, at, year, counted, false);
    const name = typeof r.name === 'string' && r.name.trim() ? r.name.trim() : undefined;
    if (!date) continue;
    const weekday = isoWeekdayOf(date);
    if (weekday <= 5)
      counted(`${at}：${date} 是${WEEKDAYS[weekday]}，不是周末：调休上班的日子都是周六或周日，${wExample}`);
    else if (seen.has(date)) counted(`${at}：${date} 写了两次`);
    else if (holidays.some((h) => h.from <= date && date <= h.to))
      counted(`${at}：${date} 在假期里，不能又是调休上班的日子`);
    else {
      seen.add(date);
      workdays.push(name ? { date, name } : { date });
    }
  }
  return before.count === 0 ? { holidays, workdays } : undefined;
}

/**
 * A date of `year` ('YYYY-MM-DD'); a holiday may begin in the last week of the year before (元旦
 * 2024 ran 2023-12-30 to 2024-01-01 in the 2024 notice).
 */
function dateOf(
  value: unknown,
  at: string,
  year: number,
  problem: (p: string) => void,
  mayStartBefore: boolean,
): string | undefined {
  const text =
    value instanceof Date && !Number.isNaN(value.getTime())
      ? value.toISOString().slice(0, 10)
      : typeof value === 'string'
        ? value.trim()
        : undefined;
  const example = `例如 ${year}-02-06`;
  if (value === undefined || value === null || text === '') {
    problem(`${at}：没有写日期，${example}`);
    return undefined;
  }
  if (text === undefined || !/^\d{4}-\d\d-\d\d$/.test(text) || !isRealDate(text)) {
    problem(`${at}：「${String(value)}」不是日期，要写成 ${example} 这样（年-月-日，月和日各两位）`);
    return undefined;
  }
  const inYear = text.startsWith(`${year}-`);
  const lastWeekBefore = mayStartBefore && text >= `${year - 1}-12-25` && text <= `${year - 1}-12-31`;
  if (!inYear && !lastWeekBefore) {
    problem(`${at}：${text} 不在 ${year} 年，${example}（是不是年份写错了，或写到了另一年的段里？）`);
    return undefined;
  }
  return text;
}

function isRealDate(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const daysFrom = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
const isoWeekdayOf = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
