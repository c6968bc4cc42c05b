import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import * as jobTypes from '../domain/job-types.js';
import { AppError } from '../errors.js';
import { listDeadJobs, retryDeadJobs, type DeadJobFilter } from '../usecases/retry-dead-jobs.js';
import type { CliCommand } from './commands.js';
import { refuseRetryOf } from './retry-refusal.js';

const USAGE = `用法: npm run cli -- jobs dead [--kind K] | jobs retry (--id N | --kind K | --all)
  dead 列出处理失败的后台任务；retry 把它们重新排队（内置数据库：先停止机器人，启动后处理）。`;

/** Every job kind this version declares (download-material, ack-burst …). */
const DECLARED_KINDS = new Set(
  Object.values(jobTypes).flatMap((v) =>
    typeof v === 'object' && v !== null && 'name' in v && typeof v.name === 'string' ? [v.name] : [],
  ),
);

/** What a job in each state other than dead is doing, for the refusal to queue it again. */
const NOT_RETRIED: Record<string, string> = {
  done: '已经完成了',
  pending: '正在排队等待处理',
  processing: '正在处理',
};

/**
 * `jobs retry --kind K` that queued nothing: a kind neither declared nor in the table is a mistake (exit
 * 1, naming the kinds of the dead jobs there are); a real kind with none dead is simply nothing to do.
 */
async function refuseUnknownKind(db: Db, kind: string): Promise<void> {
  if (DECLARED_KINDS.has(kind)) return;
  // A kind an earlier version declared may still be in the table.
  const [known] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from (select 1 from jobs where kind = ${kind} limit 1) j`,
  );
  if (Number(known?.n) > 0) return;
  const dead = await queryRows<{ kind: string }>(
    db,
    sql`select distinct kind from jobs where status = 'dead' order by kind`,
  );
  const listed = dead.length
    ? `处理失败的任务有这些种类：${dead.map((r) => r.kind).join('、')}`
    : '现在没有处理失败的后台任务';
  throw new AppError(
    'job_kind_unknown',
    `没有种类为 ${kind} 的后台任务（种类是 npm run cli -- jobs dead 每行的第二列）；${listed}`,
  );
}

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
      const filter = filterOf(args, true);
      const res = await retryDeadJobs(db, filter, new Date());
      // One id that queued nothing (mistyped, or not dead) said 「0 个任务已重新排队」, exit 0.
      if (res.jobs === 0 && 'id' in filter)
        await refuseRetryOf(db, filter.id, {
          code: 'job',
          noun: '后台任务',
          statusOf: sql`select status from jobs where id = ${filter.id}`,
          listedBy: 'npm run cli -- jobs dead ',
          notRetried: NOT_RETRIED,
          retried: '处理失败（dead）的后台任务（npm run cli -- jobs dead 列出）',
        });
      // A mistyped kind (「--kind downlaod-material」) said 「0 个任务已重新排队」, exit 0, as if none were dead.
      if (res.jobs === 0 && 'kind' in filter) await refuseUnknownKind(db, filter.kind);
      out(`${res.jobs} 个任务已重新排队；其中 ${res.materials} 个文件重新等待下载`);
      return;
    }
    throw new AppError('usage', USAGE);
  },
};
