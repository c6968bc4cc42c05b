import { partsIn } from './working-days.js';

/** Dates as archives write them, in the deployment's time zone. */

const partsOf = (at: Date, timeZone: string) =>
  partsIn(at, timeZone) as { year: string; month: string; day: string };

/** `20250305` — the 8-digit 日期 of the 2015 catalogue. */
export function yyyymmdd(at: Date, timeZone: string): string {
  const p = partsOf(at, timeZone);
  return `${p.year}${p.month}${p.day}`;
}

/** `2025年3月5日` */
export function localDateText(at: Date, timeZone: string): string {
  const p = partsOf(at, timeZone);
  return `${p.year}年${Number(p.month)}月${Number(p.day)}日`;
}

/** `2025-03-05` */
export function isoDate(at: Date, timeZone: string): string {
  const p = partsOf(at, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Is `s` a real calendar date written YYYYMMDD? */
export function isYyyymmdd(s: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

/** `2025-03-05 14:30:00` in the zone (for documents people read, e.g. 说明文件). */
export function localDateTime(at: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
