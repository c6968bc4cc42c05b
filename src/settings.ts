import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { loadArchiveConfig, type ArchiveConfig } from './archive/archive-config.js';
import { loadBaseConfig, loadConfig, type BaseConfig, type Config, type Env } from './config.js';
import { AppError, errorMessage } from './errors.js';
import type { CountyHolidays } from './domain/holiday-file.js';
import { loadHolidayFile } from './holiday-settings.js';
import {
  loadScheduleSettings,
  parseScheduleSettings,
  type ScheduleSettings,
} from './scheduler/schedule-settings.js';

/**
 * The one settings loader. `.env` below the environment (env.ts), validated by config.ts; then
 * schedules.yaml, holidays.yaml and archive.yaml, validated by their schemas. The bot (main.ts → startBot) and every
 * command-line tool go through here; a bad value names the variable, or the file and the field.
 */

/** The YAML files, read and validated once per process. */
export interface FileSettings {
  schedules: ScheduleSettings;
  /** The county's holidays.yaml (HOLIDAYS_FILE); absent when there is none (chinese-days alone). */
  holidays?: CountyHolidays;
  /** Absent when archive.yaml cannot be read: the bot still runs and 确认归档/导出 say why. */
  archive?: ArchiveConfig;
  /** Why `archive` is absent (a missing file; a bad value refuses the start instead). */
  archiveProblem?: string;
  /** The shipped schedules.yaml is missing: the defaults apply (absent: read from the file). */
  schedulesDefaulted?: boolean;
  /** What the caller should log (e.g. the shipped schedules.yaml is missing, so defaults apply). */
  warnings: string[];
}

const DEFAULT_SCHEDULES_FILE = 'config/schedules.yaml';

/**
 * Reads schedules.yaml and archive.yaml named by the configuration. A bad value throws an AppError
 * naming the file and the field (`bad_schedule_config`, `bad_archive_config`); a missing archive.yaml
 * leaves the archive features off; a missing default schedules.yaml means the defaults.
 */
export function loadFileSettings(config: BaseConfig): FileSettings {
  const warnings: string[] = [];
  const file = config.schedules.file;
  const schedulesDefaulted = file === DEFAULT_SCHEDULES_FILE && !existsSync(file);
  let schedules: ScheduleSettings;
  if (schedulesDefaulted) {
    warnings.push(`没有找到提醒和周报的设置文件 ${file}：按默认设置运行`);
    schedules = parseScheduleSettings({}, config.timeZone);
  } else schedules = loadScheduleSettings(file, config.timeZone);
  const holidays = loadHolidayFile(config.schedules.holidaysFile);
  try {
    return {
      schedules,
      holidays,
      archive: loadArchiveConfig(config.archive.configFile),
      schedulesDefaulted,
      warnings,
    };
  } catch (err) {
    if (!existsSync(config.archive.configFile)) {
      warnings.push(`档案设置没有读到（${errorMessage(err)}）：确认归档和导出暂不可用`);
      return { schedules, holidays, archiveProblem: errorMessage(err), schedulesDefaulted, warnings };
    }
    throw err;
  }
}

/** Everything the bot reads: the environment (with .env) and both YAML files. */
export interface Settings {
  config: Config;
  files: FileSettings;
}

export function loadSettings(env: Env): Settings {
  const config = loadConfig(env);
  return { config, files: loadFileSettings(config) };
}

/**
 * What a command-line tool reads: no Lark credentials needed. The YAML files are read on first use
 * (a tool that does not number or export runs without archive.yaml) and validated like the bot's.
 */
export interface CliSettings extends BaseConfig {
  schedules: BaseConfig['schedules'] & {
    settings(): ScheduleSettings;
    /** The county's holidays.yaml, read on first use (undefined: none). */
    holidays(): CountyHolidays | undefined;
  };
  archive: BaseConfig['archive'] & { settings(): ArchiveConfig };
  /** VIRUS_SCAN_COMMAND, else archive.yaml's virusScanCommand. */
  virusScanCommand(): string | undefined;
  /** DOCX_TO_PDF_COMMAND, else archive.yaml's docxToPdfCommand. */
  docxToPdfCommand(): string | undefined;
}

export function loadCliSettings(env: Env): CliSettings {
  const base = loadBaseConfig(env);
  let schedules: ScheduleSettings | undefined;
  let holidays: { file?: CountyHolidays } | undefined;
  let archive: ArchiveConfig | undefined;
  const archiveSettings = () => (archive ??= loadArchiveForCli(base.archive.configFile));
  return {
    ...base,
    schedules: {
      ...base.schedules,
      settings: () => (schedules ??= loadScheduleSettings(base.schedules.file, base.timeZone)),
      holidays: () => (holidays ??= { file: loadHolidayFile(base.schedules.holidaysFile) }).file,
    },
    archive: { ...base.archive, settings: archiveSettings },
    virusScanCommand: () => base.archive.virusScanCommand ?? archiveSettings().virusScanCommand,
    docxToPdfCommand: () => base.archive.docxToPdfCommand ?? archiveSettings().docxToPdfCommand,
  };
}

/**
 * archive.yaml for a command that needs it (verify, export, archive …). 「读不到档案设置文件
 * config/archive.yaml」 alone left the IT person guessing: a relative path is from the folder the
 * command runs in, so run elsewhere it is not the program's file. The error names the full path looked
 * at, why, and where ARCHIVE_CONFIG is set.
 */
function loadArchiveForCli(file: string): ArchiveConfig {
  try {
    return loadArchiveConfig(file);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'archive_config_missing') throw err;
    const cause = err.cause as NodeJS.ErrnoException | undefined;
    const why = cause?.code === 'ENOENT' ? '没有这个文件' : errorMessage(cause);
    const relative = isAbsolute(file) ? '' : '相对路径从运行命令的文件夹算起：在程序目录里运行，或';
    throw new AppError(
      'archive_config_missing',
      `${err.message}（${resolve(file)}：${why}）。${relative}在设置里（服务器上是 /etc/archive-bot/archive-bot.env，` +
        '电脑上是程序目录的 .env）把 ARCHIVE_CONFIG 写成 archive.yaml 的完整路径',
      { cause: err },
    );
  }
}
