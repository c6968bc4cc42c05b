import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/** A unit's last 督办 that reached its chat, and what was handed in after it. */
export interface LastUrge {
  /** When Lark took it (the latest of the unit's chats). */
  sentAt: Date;
  /** Who pressed it as the card named them (「城关镇领导 张三」), when recorded; else their open_id. */
  byLabel: string | null;
  by: string | null;
  /** The task it was pressed for (a 逾期 row, a task page); null: the village's overdue tasks. */
  taskId: number | null;
  /**
   * Lark's ids of its messages (scheduled_sends.message_id: one per chat it went to that day), for who
   * read them.
   */
  messageIds: string[];
  /** The chats those messages went to: their readers are named from these chats' members. */
  chatIds: string[];
  /**
   * Items (件) filed since it reached the chat on what it urged: the task it was pressed for, or (pressed
   * for the village) the tasks already due when it went out — not any item of the village, which read as
   * an answer when the overdue tasks got nothing. With `taskId` asked, on that task alone.
   */
  filedSince: number;
}

/**
 * The last delivered 督办 of each unit (scheduled_sends kind 'urge', sent), who pressed it (the audit's
 * `urge` row before it: the one of its send's key, `details.period`, when recorded), its messages (the
 * unit's 督办 sends of that key: one a chat) and how many items were filed after it on what it urged
 * (`filedSince`), or on `taskId` alone — and then only a 督办 that may have been about that task (the
 * village's, or that task's own: not another task's of the same day, `domain/urge-period.ts`).
 * Units never urged, or whose 督办 never reached a chat, are absent.
 */
export async function lastUrges(db: Db, unitIds: number[], taskId?: number): Promise<Map<number, LastUrge>> {
  const found = await lastUrgesOf(
    db,
    unitIds.map((unitId) => ({ unitId, taskId })),
  );
  return new Map(found.map(([q, last]) => [q.unitId, last]));
}

/** lastUrges of each (unit, task) of a page's 逾期 rows, keyed `unitId:taskId`. */
export async function lastUrgesOfTasks(
  db: Db,
  rows: { unitId: number; taskId: number }[],
): Promise<Map<string, LastUrge>> {
  const found = await lastUrgesOf(db, rows);
  return new Map(found.map(([q, last]) => [`${q.unitId}:${q.taskId}`, last]));
}

async function lastUrgesOf(
  db: Db,
  asked: { unitId: number; taskId?: number }[],
): Promise<[{ unitId: number; taskId?: number }, LastUrge][]> {
  if (asked.length === 0) return [];
  const input = JSON.stringify(
    [...new Map(asked.map((q) => [`${q.unitId}:${q.taskId ?? ''}`, q])).values()].map((q) => ({
      unit_id: q.unitId,
      task_id: q.taskId ?? null,
    })),
  );
  const rows = await queryRows<{
    unit_id: number;
    for_task: number | null;
    sent_at: Date | string;
    by_label: string | null;
    by: string | null;
    task_id: number | string | null;
    filed_since: number;
    message_ids: string | null;
    chat_ids: string | null;
  }>(
    db,
    sql`select p.unit_id::int as unit_id, p.task_id::int as for_task, x.sent_at, a.details->>'by' as by_label,
          a.actor as by, a.task_id::int as task_id,
          (select string_agg(s2.message_id, ',' order by s2.sent_at) from scheduled_sends s2
            where s2.kind = 'urge' and s2.status = 'sent' and s2.unit_id = p.unit_id
              and s2.period = x.period and s2.message_id is not null) as message_ids,
          (select string_agg(s2.receive_id, ',' order by s2.sent_at) from scheduled_sends s2
            where s2.kind = 'urge' and s2.status = 'sent' and s2.unit_id = p.unit_id
              and s2.period = x.period and s2.receive_id_type = 'chat_id') as chat_ids,
          (select count(*)::int from filing_items fi join tasks t on t.id = fi.task_id
            where fi.unit_id = p.unit_id and fi.undone_at is null and fi.filed_at > x.sent_at
              and (p.task_id is null or fi.task_id = p.task_id)
              and case when a.task_id is not null then fi.task_id = a.task_id
                       else t.due_at < x.sent_at end) as filed_since
        from jsonb_to_recordset(${input}::jsonb) as p(unit_id bigint, task_id bigint)
          join lateral (select s.sent_at, s.period from scheduled_sends s
              where s.kind = 'urge' and s.status = 'sent' and s.sent_at is not null and s.unit_id = p.unit_id
                and (p.task_id is null or position(':' in s.period) = 0
                  or s.period = split_part(s.period, ':', 1) || ':t' || p.task_id::text)
              order by s.sent_at desc limit 1) x on true
          left join lateral (select actor, details, task_id from audit_log
              where action = 'urge' and unit_id = p.unit_id and at <= x.sent_at
                and (details->>'period' is null or details->>'period' = x.period)
              order by at desc limit 1) a on true`,
  );
  return rows.map((r) => [
    { unitId: Number(r.unit_id), ...(r.for_task === null ? {} : { taskId: Number(r.for_task) }) },
    {
      sentAt: new Date(r.sent_at),
      byLabel: r.by_label,
      by: r.by,
      taskId: r.task_id === null ? null : Number(r.task_id),
      messageIds: r.message_ids ? r.message_ids.split(',') : [],
      chatIds: r.chat_ids ? r.chat_ids.split(',') : [],
      filedSince: Number(r.filed_since),
    },
  ]);
}
