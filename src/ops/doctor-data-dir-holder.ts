import { join } from 'node:path';
import { dataDirHolder, type DataDirHolder } from '../db/lock-data-dir.js';
import { isGone } from '../process-identity.js';
import type { DoctorLine } from './doctor.js';

/**
 * The live process holding the embedded database in DATA_DIR (its folder lock's record), when nothing
 * answers on HOST:PORT: the bot still starting, or a backup, a restore or another command, during
 * which the bot cannot run. A record whose process is gone (a crash) is not a holder.
 */
export function liveDataDirHolder(dataDir: string): DataDirHolder | undefined {
  const holder = dataDirHolder(join(dataDir, 'pglite'));
  return holder && !isGone(holder) ? holder : undefined;
}

const which = (pid: number) => `看是哪个程序：ps -o args= -p ${pid}`;

/** The 机器人 line while `holder` holds the embedded database and nothing answers on `where` (HOST:PORT). */
export function heldBotLine(holder: DataDirHolder, where: string): DoctorLine {
  const label = '机器人';
  const pid = holder.pid;
  switch (holder.user) {
    case 'bot':
      return {
        status: 'warn',
        label,
        detail:
          `正在启动：进程 ${pid} 已打开数据库，还没有在 ${where} 应答（第一次启动要建库和迁移，约 1 分钟）。` +
          '过一会儿再运行 doctor',
      };
    case 'backup':
      return {
        status: 'fail',
        label,
        detail: `未在运行：backup（进程 ${pid}）正在备份内置数据库，机器人要等它做完才能启动。备份完成后再启动机器人`,
      };
    case 'restore':
      return {
        status: 'fail',
        label,
        detail: `未在运行：restore（进程 ${pid}）正在恢复内置数据库。恢复完成、npm run verify 核对后再启动机器人`,
      };
    case 'command':
      return {
        status: 'fail',
        label,
        detail: `未在运行：一个命令（进程 ${pid}）正在使用内置数据库，机器人要等它做完才能启动。${which(pid)}`,
      };
    default:
      // A holder that did not say what it is (an older version).
      return {
        status: 'warn',
        label,
        detail: `${where} 无应答，但内置数据库正被进程 ${pid} 使用：多半是机器人正在启动，也可能是 backup 等命令。${which(pid)}`,
      };
  }
}

/** The 数据库 line's text (after `kind`) while `holder` (if known) holds the embedded database. */
export function heldDatabaseText(holder: DataDirHolder | undefined): string {
  const pid = holder?.pid;
  switch (holder?.user) {
    case 'bot':
      return `由正在启动的机器人使用（进程 ${pid}），过一会儿再运行 doctor`;
    case 'backup':
      return `backup 正在备份（进程 ${pid}），等它做完`;
    case 'restore':
      return `restore 正在恢复（进程 ${pid}），等它做完`;
    case 'command':
      return `正被一个命令使用（进程 ${pid}），等它做完。${which(pid!)}`;
    default:
      return (
        `正被另一个程序使用${holder ? `（进程 ${pid}）` : ''}：` +
        '多半是机器人正在启动（第一次启动要建库和迁移，约 1 分钟），过一会儿再运行 doctor；' +
        `若是 backup 等命令，等它做完${holder ? `。${which(pid!)}` : ''}`
      );
  }
}
