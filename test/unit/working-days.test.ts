import { describe, expect, it } from 'vitest';
import {
  addDays,
  createWorkingCalendar,
  isoWeek,
  isoWeekday,
  localDay,
  localMinutes,
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

  it('falls back to Monday–Friday for a year the table does not know, warning once', () => {
    const warned: number[] = [];
    const c = createWorkingCalendar({ onUnknownYear: (y) => warned.push(y) });
    expect(c.knowsYear(2026)).toBe(true);
    expect(c.knowsYear(2031)).toBe(false);
    expect(c.isWorkingDay('2031-10-01')).toBe(true); // a Wednesday: no holiday data, so working
    expect(c.isWorkingDay('2031-10-04')).toBe(false); // Saturday
    expect(c.isWorkingDay('2031-10-06')).toBe(true);
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
