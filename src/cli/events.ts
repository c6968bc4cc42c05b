import { sql } from 'drizzle-orm';
import { listInboundEvents } from '../db/repos/inbound-events.js';
import { AppError } from '../errors.js';
import type { CliCommand } from './commands.js';
import { refuseRetryOf } from './retry-refusal.js';

/** `events dead` lists dead-lettered events; `events retry ID|all-dead` puts them back in the queue. */
const EVENTS_USAGE = `用法: npm run cli -- events list | dead | retry <id|all-dead>
  list 列出最近收到的飞书事件；dead 只列处理失败的；retry 编号 或 retry all-dead 重新处理。`;

/** What an event in each state other than dead or pending is doing, for the refusal to queue it again. */
const NOT_RETRIED: Record<string, string> = {
  done: '已经处理完了',
  ignored: '已被忽略（不需要处理的事件）',
  processing: '正在处理',
};

export const eventsCommand: CliCommand = {
  usage: EVENTS_USAGE,
  subcommands: ['list', 'dead', 'retry'],
  readsOnly: ([sub]) => sub === 'list' || sub === 'dead',
  // A mistyped id (retry all-dea, retry 12a) is a usage error, not a failed query on an opened database.
  wellFormed: ([sub, arg]) => sub !== 'retry' || arg === 'all-dead' || /^\d+$/.test(arg ?? ''),
  summary: '收到的飞书事件：list、dead（处理失败的）、retry（重新处理）',
  run: async ([sub, arg], { db, out }) => {
    if (sub === 'list' || sub === 'dead') {
      const rows = await listInboundEvents(db, { status: sub === 'dead' ? 'dead' : undefined, limit: 100 });
      for (const r of rows) {
        out(
          `${r.id}\t${r.status}\t${r.attempts}\t${r.eventType}\t${r.messageId ?? r.eventId}\t${r.lastError ?? ''}`,
        );
      }
      out(`共 ${rows.length} 条事件`);
      return;
    }
    if (sub === 'retry' && arg) {
      const where =
        arg === 'all-dead'
          ? sql`status = 'dead'`
          : sql`id = ${Number(arg)} and status in ('dead', 'pending')`;
      const res: any = await db.execute(
        sql`update inbound_events set status = 'pending', attempts = 0, next_attempt_at = now() where ${where}`,
      );
      const count = Number(res.count ?? res.affectedRows ?? 0);
      // One id that queued nothing: a mistyped id or one not waiting said 「0 条事件已重新排队」, exit 0.
      if (count === 0 && arg !== 'all-dead')
        await refuseRetryOf(db, Number(arg), {
          code: 'event',
          noun: '事件',
          statusOf: sql`select status from inbound_events where id = ${Number(arg)}`,
          listedBy: 'npm run cli -- events dead（或 events list）',
          notRetried: NOT_RETRIED,
          retried: '处理失败（dead）或等待处理的事件',
        });
      out(`${count} 条事件已重新排队`);
      return;
    }
    throw new AppError('usage', EVENTS_USAGE);
  },
};
