import { partsIn } from '../domain/working-days.js';

/**
 * The instant of a wall-clock time in an IANA time zone (EXIF times carry no zone). Uses Intl, so
 * zones with daylight saving work too (times inside a DST gap shift by the gap).
 */
export function localTimeToUtc(
  parts: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  timeZone: string,
): Date {
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  let guess = asUtc - offsetMs(asUtc, timeZone);
  guess = asUtc - offsetMs(guess, timeZone);
  return new Date(guess);
}

/** Offset of `timeZone` from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
function offsetMs(instant: number, timeZone: string): number {
  const p = partsIn(new Date(instant), timeZone);
  const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** Parses EXIF `YYYY:MM:DD HH:MM:SS` (also `-` separators, optional fraction); `undefined` if malformed. */
export function parseExifDateTime(
  value: string,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } | undefined {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (
    year < 1900 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour > 23 ||
    minute > 59 ||
    second > 60
  ) {
    return undefined;
  }
  return { year, month, day, hour, minute, second };
}
