import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dotEnvOf, envFilesOf, type Env } from '../config.js';
import { movedAway, movedAwayText } from '../db/pglite-moved.js';
import type { CliSettings } from '../settings.js';
import type { CliIo } from './run-cli.js';

/** The service's settings file on a server installed as README «Running as a service» says. */
export const SERVICE_ENV_FILE = '/etc/archive-bot/archive-bot.env';

/** The command as the service user runs it, with the service's settings. */
const asServiceUser = (serviceCommand: string, envFile = SERVICE_ENV_FILE) =>
  `服务器上请以服务用户、用服务的设置运行（README「Running as a service」）：\n` +
  `  sudo -u archive-bot node --env-file=${envFile} ${serviceCommand}`;

/**
 * A command that only reads, run where DATA_DIR holds no embedded database (on a server without the
 * service's settings: ./data below the program's folder): opening it would create an empty database
 * there, and the command would answer about nothing (verify: 「四性检测：通过（0 条，0 个文件）」 right
 * after a restore). The line that says so, with the command as the service user runs it; undefined
 * when there is a database to read.
 */
export function noDatabaseText(settings: CliSettings, serviceCommand: string): string | undefined {
  if (settings.databaseUrl) return undefined;
  // The archive moved to PostgreSQL: the fix is DATABASE_URL, not another data folder.
  const moved = movedAway(settings.dataDir);
  if (moved) return movedAwayText(settings.dataDir, moved, settings.envFiles);
  if (existsSync(join(settings.dataDir, 'pglite'))) return undefined;
  return (
    `没有数据库可读：${resolve(settings.dataDir, 'pglite')} 不存在（DATA_DIR=${settings.dataDir}），什么也没有创建。` +
    asServiceUser(serviceCommand)
  );
}

/**
 * A command run on a machine where the service is installed (`serviceEnvFile` exists) that read no
 * settings file of the service's (no `--env-file`, no ARCHIVE_BOT_ENV_FILE) and has neither DATA_DIR nor
 * DATABASE_URL in its environment: `npm run cli -- units check` from /opt/archive-bot after an
 * upgrade. It would read the program's own ./data and config/archive.yaml, not the service's
 * /var/lib/archive-bot and /etc/archive-bot/archive.yaml: once anything had made a database under
 * ./data, `archive transfers` said 「移交包记录 0 个」 and `units check` 「还没有村」 (exit 0 and 1 alike,
 * answers about another database), and a write went into it. A `.env` left in the program's folder
 * (config/.env.example copied there: DATA_DIR=./data) counts for nothing here: it is not the service's
 * settings, and what it sets is no choice made for this command. The line that says which folder and
 * file it would have read and the command as the service runs it, before anything is opened or
 * created; undefined elsewhere (a laptop or a test without the service's file, or settings chosen on
 * purpose).
 */
export function serviceSettingsUnreadText(
  env: Env,
  serviceCommand: string,
  serviceEnvFile = SERVICE_ENV_FILE,
): string | undefined {
  const dotEnv = dotEnvOf(env);
  const set = (name: string) => Boolean(env[name]?.trim()) && !dotEnv?.keys.includes(name);
  const settingsRead = envFilesOf(env).some((file) => file !== dotEnv?.file);
  if (settingsRead || set('DATA_DIR') || set('DATABASE_URL') || !existsSync(serviceEnvFile)) return undefined;
  const archiveConfig = resolve(env.ARCHIVE_CONFIG?.trim() || 'config/archive.yaml');
  const dataDir = resolve(env.DATA_DIR?.trim() || 'data');
  return (
    `这台机器装了机器人服务（有 ${serviceEnvFile}），这条命令却没有读它：` +
    (dotEnv ? `程序目录的 ${dotEnv.file} 不是服务的设置，` : '') +
    `它会读 ${dotEnv ? `${dataDir} ` : `./data（${dataDir}）`}和 ${archiveConfig}，不是服务的数据和设置，` +
    '答出来的不对，改的也不是服务的数据，所以什么也没有做。' +
    asServiceUser(serviceCommand, serviceEnvFile)
  );
}

/**
 * serviceSettingsUnreadText for a command line, said on `io.err`: true when the command must stop
 * there (exit 1). Never with a database given (tests run on their own).
 */
export function saidServiceSettingsUnread(
  io: Pick<CliIo, 'env' | 'err' | 'database' | 'serviceEnvFile'>,
  serviceCommand: string,
): boolean {
  const text = io.database ? undefined : serviceSettingsUnreadText(io.env, serviceCommand, io.serviceEnvFile);
  if (text) io.err(text);
  return text !== undefined;
}
