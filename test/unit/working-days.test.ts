import { describe, expect, it } from 'vitest';
import {
  addDays,
  createWorkingCalendar,
  isoWeek,
  isoWeekday,
  localDay,
  localMinutes,
  partsIn,
  weekMonday,
  zonedInstant,
} from '../../src/domain/working-days.js';

describe('working days (Chinese calendar, chinese-days table)', () => {
  const cal = createWorkingCalendar();

  it('knows public holidays, 调休 weekends and ordinary days of 2026', () => {
    expect(cal.isWorkingDay('2026-10-01')).toBe(false); // 国庆节, a Thursday
    expect(cal.dayName('2026-10-01')).toBe('国庆节');
    expect(cal.isWorkingDay('2026-10-07')).toBe(false);
    expect(cal.isWorkingDay('2026-10-10')).toBe(true); // Saturday made a working day (调休)
    expect(cal.isWorkingDay('2026-09-20')).toBe(true); // Sunday made a working day
    expect(cal.isWorkingDay('2026-02-14')).toBe(true); // Saturday before 春节
    expect(cal.isWorkingDay('2026-02-16')).toBe(false); // 春节, a Monday
    expect(cal.isWorkingDay('2026-11-28')).toBe(false); // an ordinary Saturday
    expect(cal.isWorkingDay('2026-11-25')).toBe(true); // an ordinary Wednesday
  });

  it('falls back to Monday–Friday without the statutory holidays for a year the table does not know, warning once', () => {
    const warned: number[] = [];
    const c = createWorkingCalendar({ onUnknownYear: (y) => warned.push(y) });
    expect(c.knowsYear(2026)).toBe(true);
    expect(c.knowsYear(2031)).toBe(false);
    expect(c.yearSource(2031)).toBeUndefined();
    expect(c.isWorkingDay('2031-10-01')).toBe(false); // a Wednesday: 国庆节 by law, even without the notice
    expect(c.dayName('2031-10-01')).toBe('国庆节、中秋节'); // 中秋 falls on 1 October that year
    expect(c.isWorkingDay('2031-10-04')).toBe(false); // Saturday
    expect(c.isWorkingDay('2031-10-06')).toBe(true); // Monday: the notice's bridging days are not guessed
    expect(warned).toEqual([2031]);
  });

  it('counts working days across a holiday', () => {
    // 2026-09-30 (Wed) → next working days: 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, 调休), 10-12 (Mon)
    expect(cal.addWorkingDays('2026-09-30', 1)).toBe('2026-10-08');
    expect(cal.addWorkingDays('2026-09-30', 3)).toBe('2026-10-10');
    expect(cal.addWorkingDays('2026-09-30', 4)).toBe('2026-10-12');
    expect(cal.addWorkingDays('2026-10-12', -4)).toBe('2026-09-30');
    expect(cal.addWorkingDays('2026-10-03', 0)).toBe('2026-10-03');
    expect(cal.workingDaysBetween('2026-09-30', '2026-10-12')).toBe(4);
    expect(cal.workingDaysBetween('2026-10-12', '2026-09-30')).toBe(-4);
    expect(cal.workingDaysBetween('2026-11-20', '2026-11-25')).toBe(3); // Fri → Wed: Mon, Tue, Wed
    expect(cal.workingDaysBetween('2026-11-25', '2026-11-25')).toBe(0);
  });

  it('converts instants to local days and wall-clock times and back', () => {
    const tz = 'Asia/Shanghai';
    const at = new Date('2026-11-25T16:30:00Z'); // 00:30 on the 26th in Shanghai
    expect(localDay(at, tz)).toBe('2026-11-26');
    expect(localMinutes(at, tz)).toBe(30);
    expect(zonedInstant('2026-11-26', '09:00', tz).toISOString()).toBe('2026-11-26T01:00:00.000Z');
    expect(zonedInstant('2026-03-08', '09:00', 'America/New_York').toISOString()).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('names ISO weeks and weekdays', () => {
    expect(isoWeekday('2026-11-30')).toBe(1);
    expect(isoWeekday('2026-11-29')).toBe(7);
    expect(isoWeek('2026-11-30')).toBe('2026-W49');
    expect(isoWeek('2026-01-01')).toBe('2026-W01');
    expect(isoWeek('2027-01-01')).toBe('2026-W53');
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
    expect(weekMonday('2026-12-03')).toBe('2026-11-30');
  });
});

describe('partsIn (wall-clock parts of an instant in a zone)', () => {
  const formats = new Map<string, Intl.DateTimeFormat>();
  const reference = (at: Date, timeZone: string) => {
    const f =
      formats.get(timeZone) ??
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    formats.set(timeZone, f);
    const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
    return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
  };
  // Zones with DST, half- and quarter-hour offsets, and offset changes in the middle of a UTC hour.
  const zones = [
    'Asia/Shanghai',
    'Europe/London',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'UTC',
  ];

  it('agrees with Intl for every zone, across DST changes and mid-hour offset changes', () => {
    const instants = [
      Date.UTC(2026, 2, 29, 0, 59, 59), // London: the last second before BST
      Date.UTC(2026, 2, 29, 1, 0, 0), // London: the first second of BST
      Date.UTC(2026, 3, 4, 15, 29, 59), // Lord Howe: 30 minutes back at 15:00 UTC
      Date.UTC(2026, 3, 4, 15, 0, 0),
      Date.UTC(2026, 3, 4, 15, 45, 30),
      Date.UTC(1985, 11, 31, 18, 15, 0), // Kathmandu: +5:30 → +5:45 at 18:30 UTC
      Date.UTC(1985, 11, 31, 18, 45, 0),
      Date.UTC(1988, 3, 17, 17, 59, 59), // Shanghai's DST of 1988
      Date.UTC(1988, 3, 17, 18, 0, 0),
    ];
    // And a thousand instants spread over 60 years, with milliseconds.
    for (let i = 0; i < 1000; i++) instants.push(Date.UTC(1970, 0, 1) + Math.floor(i * 1_893_456_789.123));
    for (const timeZone of zones)
      for (const ms of instants) {
        const at = new Date(ms);
        expect(partsIn(at, timeZone), `${timeZone} ${at.toISOString()}`).toEqual(reference(at, timeZone));
        // Asked again (from the learnt day this time), the same answer.
        expect(partsIn(at, timeZone)).toEqual(reference(at, timeZone));
      }
  });
});
