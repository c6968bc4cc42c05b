import { AppError } from '../errors.js';
import { runDoctor } from '../ops/doctor.js';
import type { StandaloneCliCommand } from './commands.js';
import { settingsFilesLine } from './doctor-settings.js';

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

/** `npm run cli -- doctor`: the operator's check-up, in Chinese; exit 1 when something is wrong. */
export const doctorCommand: StandaloneCliCommand = {
  summary: 'check the installation: version, database, Lark, events, disk, queues, holidays',
  standalone: async (_args, { env, out }) => {
    const lines = await runDoctor(env);
    // After 版本 and 配置: the YAML files the bot would load at start.
    lines.splice(2, 0, settingsFilesLine(env));
    for (const l of lines) out(`${MARK[l.status]} ${l.label}：${l.detail}`);
    const failed = lines.filter((l) => l.status === 'fail').length;
    out(failed === 0 ? '\n检查完毕：一切正常' : `\n检查完毕：${failed} 项有问题（标 ✗）`);
    if (failed > 0) throw new AppError('doctor_failed', '');
  },
};
