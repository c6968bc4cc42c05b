import { describe, expect, it } from 'vitest';
import { validate } from 'node-cron';
import { AppError } from '../../src/errors.js';
import {
  inQuietHours,
  loadScheduleSettings,
  parseScheduleSettings,
  toMinutes,
} from '../../src/scheduler/schedule-settings.js';
import { cronExpression, latestSlot } from '../../src/scheduler/slots.js';
import { digestDay } from '../../src/scheduler/jobs.js';
import { createWorkingCalendar } from '../../src/domain/working-days.js';

describe('schedule settings (config/schedules.yaml)', () => {
  it('loads the shipped file', () => {
    const s = loadScheduleSettings('config/schedules.yaml', 'Asia/Shanghai');
    expect(s.timeZone).toBe('Asia/Shanghai');
    expect(s.reminders.time).toMatch(/^\d\d:\d\d$/);
    expect(s.reminders.escalation.countyAfterWorkingDays).toBeGreaterThanOrEqual(
      s.reminders.escalation.townshipAfterWorkingDays,
    );
  });

  it('fills defaults and lists every problem at once', () => {
    expect(parseScheduleSettings({}, 'Asia/Shanghai')).toMatchObject({
      reminders: { time: '09:00', dueSoonDays: 3, escalation: { townshipAfterWorkingDays: 3 } },
      digest: { weekday: 1, time: '08:30' },
      quietHours: { start: '20:00', end: '08:00' },
    });
    const err = (() => {
      try {
        parseScheduleSettings(
          {
            reminders: {
              time: '9:00',
              escalation: { townshipAfterWorkingDays: 5, countyAfterWorkingDays: 2 },
            },
            digest: { weekday: 8, time: '22:00' },
          },
          'Asia/Shanghai',
        );
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.message).toContain('reminders.time');
    expect(err.message).toContain('digest.weekday');
    const quiet = (() => {
      try {
        parseScheduleSettings({ digest: { time: '22:00' } }, 'Asia/Shanghai');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(quiet?.message).toContain('免打扰');
  });

  it('knows quiet hours that cross midnight', () => {
    const q = { start: '20:00', end: '08:00' };
    expect(inQuietHours(toMinutes('21:30'), q)).toBe(true);
    expect(inQuietHours(toMinutes('07:59'), q)).toBe(true);
    expect(inQuietHours(toMinutes('08:00'), q)).toBe(false);
    expect(inQuietHours(toMinutes('12:00'), { start: '12:00', end: '14:00' })).toBe(true);
    expect(inQuietHours(toMinutes('12:00'), null)).toBe(false);
  });
});

describe('slots', () => {
  it('turns timings into valid node-cron expressions', () => {
    expect(cronExpression({ time: '09:00' })).toBe('0 0 9 * * *');
    expect(cronExpression({ time: '08:30', weekdays: [1] })).toBe('0 30 8 * * 1');
    expect(cronExpression({ time: '02:05', weekdays: [7, 6] })).toBe('0 5 2 * * 0,6');
    for (const e of ['0 0 9 * * *', '0 30 8 * * 1', '0 5 2 * * 0,6']) expect(validate(e)).toBe(true);
  });

  it('finds the latest slot at or before now, in the zone', () => {
    const tz = 'Asia/Shanghai';
    const at = (s: string) => new Date(s);
    expect(latestSlot({ time: '09:00' }, at('2026-11-26T10:00:00+08:00'), tz)).toEqual({
      slot: at('2026-11-26T09:00:00+08:00'),
      day: '2026-11-26',
    });
    expect(latestSlot({ time: '09:00' }, at('2026-11-26T09:00:00+08:00'), tz).day).toBe('2026-11-26');
    expect(latestSlot({ time: '09:00' }, at('2026-11-26T08:59:59+08:00'), tz).day).toBe('2026-11-25');
    // Weekly on Saturday 02:00: from Thursday the latest is last Saturday.
    expect(latestSlot({ time: '02:00', weekdays: [6] }, at('2026-11-26T10:00:00+08:00'), tz).day).toBe(
      '2026-11-21',
    );
  });

  it('moves the digest to the first working day of the week from the configured weekday', () => {
    const cal = createWorkingCalendar();
    expect(digestDay('2026-11-25', 1, cal)).toBe('2026-11-23'); // an ordinary Monday
    expect(digestDay('2026-10-08', 1, cal)).toBe('2026-10-08'); // Mon–Wed are 国庆节: Thursday
    expect(digestDay('2026-02-18', 1, cal)).toBeUndefined(); // 春节 week: no working day
  });
});
