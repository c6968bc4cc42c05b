import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { isTimeZone } from '../config.js';
import { inQuietHours, toMinutes } from '../domain/quiet-hours.js';

export { inQuietHours, toMinutes };

/** config/schedules.yaml, validated (times are wall-clock 'HH:MM' in `timeZone`). */
export interface ScheduleSettings {
  timeZone: string;
  reminders: {
    time: string;
    dueSoonDays: number;
    maxItems: number;
    escalation: { townshipAfterWorkingDays: number; countyAfterWorkingDays: number; maxItems: number };
  };
  digest: { weekday: number; time: string; oldestOverdue: number; validDays: number };
  fourPropertiesCheck: { weekday: number; time: string };
  quietHours: { start: string; end: string } | null;
  sending: { perSecond: number };
}

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '应为 HH:MM（24 小时制，加引号），例如 "09:00"');
const weekday = z.number().int().min(1).max(7);
const count = (def: number, max = 1000, min = 0) => z.number().int().min(min).max(max).default(def);

const schema = z.object({
  timeZone: z.string().refine(isTimeZone, '不是有效的时区，例如 Asia/Shanghai').optional(),
  reminders: z
    .object({
      time: time.default('09:00'),
      dueSoonDays: count(3, 60),
      maxItems: count(10, 30, 1),
      escalation: z
        .object({
          townshipAfterWorkingDays: count(3),
          countyAfterWorkingDays: count(10),
          maxItems: count(10, 30, 1),
        })
        .prefault({}),
    })
    .prefault({}),
  digest: z
    .object({
      weekday: weekday.default(1),
      time: time.default('08:30'),
      oldestOverdue: count(5, 20),
      validDays: count(3, 6, 1),
    })
    .prefault({}),
  fourPropertiesCheck: z.object({ weekday: weekday.default(6), time: time.default('02:00') }).prefault({}),
  quietHours: z.object({ start: time, end: time }).nullable().default({ start: '20:00', end: '08:00' }),
  sending: z.object({ perSecond: z.number().positive().max(50).default(40) }).prefault({}),
});

/** Validates a parsed schedules.yaml (or a plain object in tests) and fills in the defaults. */
export function parseScheduleSettings(
  raw: unknown,
  defaultTimeZone: string,
  source = 'schedules.yaml',
): ScheduleSettings {
  const parsed = schema.safeParse(raw ?? {});
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const v = parsed.data;
  if (v) {
    const { townshipAfterWorkingDays: n, countyAfterWorkingDays: m } = v.reminders.escalation;
    if (m < n)
      problems.push('reminders.escalation: countyAfterWorkingDays 不能小于 townshipAfterWorkingDays');
    if (v.quietHours) {
      for (const [key, at] of [
        ['reminders.time', v.reminders.time],
        ['digest.time', v.digest.time],
      ] as const) {
        if (inQuietHours(toMinutes(at), v.quietHours)) problems.push(`${key}: ${at} 在免打扰时段内`);
      }
    }
  }
  if (!v || problems.length > 0) {
    throw new AppError(
      'bad_schedule_config',
      `${source} 有误：\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return { ...v, timeZone: v.timeZone ?? defaultTimeZone };
}

/** Reads config/schedules.yaml (relative to the working directory) or `path`. */
export function loadScheduleSettings(
  path = 'config/schedules.yaml',
  defaultTimeZone = 'Asia/Shanghai',
): ScheduleSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // A service whose SCHEDULES_FILE names /etc/archive-bot/schedules.yaml before it was copied there.
    throw new AppError(
      'bad_schedule_config',
      `读不到提醒设置文件 ${path}（${(err as Error).message}）：检查 SCHEDULES_FILE，` +
        '或把程序目录里的 config/schedules.yaml 复制到那里（README → Running as a service）',
    );
  }
  return parseScheduleSettings(parseYaml(text), defaultTimeZone, path);
}
