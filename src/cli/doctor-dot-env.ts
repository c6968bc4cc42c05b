import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { dotEnvOf, envFilesOf, type Env } from '../config.js';
import type { DoctorLine } from '../ops/doctor.js';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * The doctor's warning about a `.env` in the program's folder (or the working folder, the service's
 * WorkingDirectory) that was not read because the service's settings file was (`--env-file`, or
 * ARCHIVE_BOT_ENV_FILE as the shipped unit sets it; env.ts readEnv): an IT person who edits that `.env`
 * sees nothing change. The line names the file that is read and says to edit that one; undefined when
 * no such `.env` lies about, or it is the file read.
 */
export function dotEnvUnreadLine(env: Env, cwd = process.cwd(), root = PACKAGE_ROOT): DoctorLine | undefined {
  const read = envFilesOf(env).filter((file) => file !== dotEnvOf(env)?.file);
  if (read.length === 0) return undefined;
  const unread = [...new Set([resolve(root, '.env'), resolve(cwd, '.env')])].find(
    (file) => existsSync(file) && !envFilesOf(env).includes(file),
  );
  if (!unread) return undefined;
  const where = dirname(unread) === resolve(root) ? `程序目录下的 .env（${unread}）` : `${unread} `;
  return {
    status: 'warn',
    label: '.env',
    detail:
      `${where}没有被读取（服务读的是 ${read.join('、')}）；请改 ${read[0]}，改后重启机器人` +
      `（systemctl restart archive-bot），再删掉这个 .env，免得以后又改错地方`,
  };
}
