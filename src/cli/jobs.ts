import { AppError } from '../errors.js';
import { listDeadJobs, retryDeadJobs, type DeadJobFilter } from '../usecases/retry-dead-jobs.js';
import type { CliCommand } from './commands.js';

const USAGE = `用法: npm run cli -- jobs dead [--kind K] | jobs retry (--id N | --kind K | --all)
  dead 列出处理失败的后台任务；retry 把它们重新排队（内置数据库：先停止机器人，启动后处理）。`;

/** `--id N`, `--kind K` or `--all` (exactly one). */
function filterOf(args: string[], required: boolean): DeadJobFilter {
  const [flag, value, ...rest] = args;
  if (rest.length > 0) throw new AppError('usage', USAGE);
  if (flag === undefined && !required) return { all: true };
  if (flag === '--all' && value === undefined) return { all: true };
  if (flag === '--kind' && value) return { kind: value };
  if (flag === '--id' && value && /^\d+$/.test(value)) return { id: Number(value) };
  throw new AppError('usage', USAGE);
}

/**
 * `jobs dead` lists background jobs that used up their attempts (downloads, replies, sends …);
 * `jobs retry` queues them again (a dead download's material back to pending). On PGlite, stop the
 * bot first (the data folder is locked); the bot picks the jobs up when it starts.
 */
export const jobsCommand: CliCommand = {
  usage: USAGE,
  subcommands: ['dead', 'retry'],
  readsOnly: ([sub]) => sub === 'dead',
  wellFormed: ([sub, ...args]) => {
    try {
      filterOf([...args], sub === 'retry');
      return true;
    } catch {
      return false;
    }
  },
  summary: '后台任务（下载、回复、发送）：dead（处理失败的）、retry（重新排队）',
  run: async ([sub, ...args], { db, out }) => {
    if (sub === 'dead') {
      const rows = await listDeadJobs(db, filterOf(args, false));
      for (const r of rows)
        out(
          `${r.id}\t${r.kind}\t${r.key}\t${r.attempts}\t${r.finishedAt?.toISOString() ?? ''}\t${(r.lastError ?? '').replace(/\s+/g, ' ').slice(0, 200)}`,
        );
      out(`共 ${rows.length} 个处理失败的任务`);
      return;
    }
    if (sub === 'retry') {
      const res = await retryDeadJobs(db, filterOf(args, true), new Date());
      out(`${res.jobs} 个任务已重新排队；其中 ${res.materials} 个文件重新等待下载`);
      return;
    }
    throw new AppError('usage', USAGE);
  },
};
