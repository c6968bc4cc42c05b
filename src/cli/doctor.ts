import { AppError } from '../errors.js';
import { runDoctor } from '../ops/doctor.js';
import type { StandaloneCliCommand } from './commands.js';
import { dotEnvUnreadLine } from './doctor-dot-env.js';
import { settingsFilesLine } from './doctor-settings.js';

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

/**
 * The report's last line: how many lines need something done (✗, then !). 一切正常 only when every line
 * is ✓; a report with ! lines said 一切正常 under them.
 */
function doctorSummary(failed: number, warned: number): string {
  const parts = [
    ...(failed > 0 ? [`${failed} 项有问题（标 ✗ 的行）`] : []),
    ...(warned > 0 ? [`${warned} 项需要处理（标 ! 的行）`] : []),
  ];
  return `检查完毕：${parts.length === 0 ? '一切正常' : parts.join('，')}`;
}

/** `npm run cli -- doctor`: the operator's check-up, in Chinese; exit 1 when something is wrong. */
export const doctorCommand: StandaloneCliCommand = {
  summary: '检查安装：版本、数据库、飞书、事件、磁盘、队列、节假日表',
  usage: `用法: npm run cli -- doctor
  检查安装：版本、配置和设置文件（没有被读取的 .env 也说出来）、机器人是否在运行、数据库和迁移、飞书凭证、事件接收、磁盘空间、
  事件和任务队列、节假日表、没有完成的恢复。每项一行：✓ 正常，! 提醒，✗ 有问题；最后一行数出 ✗ 和 ! 各几项；
  有 ✗ 时退出码 1，只有 ! 时退出码 0。
  只读：不建数据库、不执行迁移；机器人在运行（内置数据库）时向它询问。`,
  standalone: async (_args, { env, out }) => {
    const lines = await runDoctor(env);
    // Right after 配置: the YAML files the bot would load at start, and a .env that is not read.
    const dotEnv = dotEnvUnreadLine(env);
    lines.splice(
      lines.findIndex((l) => l.label === '配置') + 1,
      0,
      settingsFilesLine(env),
      ...(dotEnv ? [dotEnv] : []),
    );
    for (const l of lines) out(`${MARK[l.status]} ${l.label}：${l.detail}`);
    const failed = lines.filter((l) => l.status === 'fail').length;
    out(`\n${doctorSummary(failed, lines.filter((l) => l.status === 'warn').length)}`);
    if (failed > 0) throw new AppError('doctor_failed', '');
  },
};
