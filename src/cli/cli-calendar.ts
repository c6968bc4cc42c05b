import { createWorkingCalendar, type WorkingCalendar } from '../domain/working-days.js';
import type { CliSettings } from '../settings.js';

/**
 * The working-day calendar of a command-line tool: the county's holidays.yaml (HOLIDAYS_FILE) for
 * the years it lists, then chinese-days, then the statutory guess, as the bot's own calendar
 * (wiring/schedules.ts). `warn` gets one line per year neither source knows.
 */
export function cliWorkingCalendar(cli: CliSettings, warn: (line: string) => void): WorkingCalendar {
  return createWorkingCalendar({
    county: cli.schedules.holidays(),
    onUnknownYear: (y) =>
      warn(`注意：节假日表还没有 ${y} 年的安排，按周一至周五计工作日，只避开估算的法定假日`),
  });
}
