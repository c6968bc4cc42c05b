import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliSettings } from '../settings.js';

/**
 * A command that only reads, run where DATA_DIR holds no embedded database (on a server without the
 * service's settings: ./data below the program's folder): opening it would create an empty database
 * there, and the command would answer about nothing (verify: 「四性检测：通过（0 条，0 个文件）」 right
 * after a restore). The line that says so, with the command as the service user runs it; undefined
 * when there is a database to read.
 */
export function noDatabaseText(settings: CliSettings, serviceCommand: string): string | undefined {
  if (settings.databaseUrl || existsSync(join(settings.dataDir, 'pglite'))) return undefined;
  return (
    `没有数据库可读：${resolve(settings.dataDir, 'pglite')} 不存在（DATA_DIR=${settings.dataDir}），什么也没有创建。` +
    '服务器上请以服务用户、用服务的设置运行（README「Running as a service」）：\n' +
    `  sudo -u archive-bot node --env-file=/etc/archive-bot/archive-bot.env ${serviceCommand}`
  );
}
