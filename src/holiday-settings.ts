import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AppError } from './errors.js';
import { insideProgramFolder } from './package-root.js';
import { SERVICE_HOLIDAYS_FILE, type HolidayFilePlace } from './domain/holiday-advice.js';
import { parseHolidayFile, type CountyHolidays } from './domain/holiday-file.js';

/** HOLIDAYS_FILE when unset: no file there is the usual case (the `chinese-days` table alone). */
export const DEFAULT_HOLIDAYS_FILE = 'config/holidays.yaml';

/**
 * HOLIDAYS_FILE as the advice names it: the default (relative to wherever a command runs) and any path in
 * the program's folder are not where the county's table belongs (README: outside, so an upgrade keeps it).
 */
export function holidayFilePlace(path = DEFAULT_HOLIDAYS_FILE): HolidayFilePlace {
  return { path, inProgramFolder: path === DEFAULT_HOLIDAYS_FILE || insideProgramFolder(path) };
}

/**
 * Reads the county's holidays.yaml (HOLIDAYS_FILE). Undefined when the default path has no file;
 * a file HOLIDAYS_FILE names that cannot be read, or a bad value, throws `bad_holiday_config`
 * naming the file, the year and the entry.
 */
export function loadHolidayFile(path = DEFAULT_HOLIDAYS_FILE): CountyHolidays | undefined {
  if (path === DEFAULT_HOLIDAYS_FILE && !existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError(
      'bad_holiday_config',
      `读不到节假日文件 ${path}（${(err as Error).message}）：检查 HOLIDAYS_FILE，` +
        `或把程序目录里的 config/holidays.example.yaml 复制到那里并按通知填写（放在程序目录以外，服务器上是 ${SERVICE_HOLIDAYS_FILE}，升级时才不会丢失；README → Year end）`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new AppError(
      'bad_holiday_config',
      `${path} 有误：不是有效的 YAML（${(err as Error).message.split('\n')[0]}），请对照 config/holidays.example.yaml 检查缩进和冒号`,
    );
  }
  return parseHolidayFile(raw, path);
}
