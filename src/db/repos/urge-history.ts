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
 * `urge` row before it), its messages (the unit's 督办 sends of that day: one a chat) and how many
 * items were filed after it on what it urged (`filedSince`), or on `taskId` alone.
 * Units never urged, or whose 督办 never reached a chat, are absent.
 */
export async function lastUrges(db: Db, unitIds: number[], taskId?: number): Promise<Map<number, LastUrge>> {
  if (unitIds.length === 0) return new Map();
  const onTask = taskId === undefined ? sql`` : sql`and fi.task_id = ${taskId}`;
  const rows = await queryRows<{
    unit_id: number;
    sent_at: Date | string;
    by_label: string | null;
    by: string | null;
    task_id: number | string | null;
    filed_since: number;
    message_ids: string | null;
    chat_ids: string | null;
  }>(
    db,
    sql`select x.unit_id::int as unit_id, x.sent_at, a.details->>'by' as by_label, a.actor as by,
          a.task_id::int as task_id,
          (select string_agg(s2.message_id, ',' order by s2.sent_at) from scheduled_sends s2
            where s2.kind = 'urge' and s2.status = 'sent' and s2.unit_id = x.unit_id
              and s2.period = x.period and s2.message_id is not null) as message_ids,
          (select string_agg(s2.receive_id, ',' order by s2.sent_at) from scheduled_sends s2
            where s2.kind = 'urge' and s2.status = 'sent' and s2.unit_id = x.unit_id
              and s2.period = x.period and s2.receive_id_type = 'chat_id') as chat_ids,
          (select count(*)::int from filing_items fi join tasks t on t.id = fi.task_id
            where fi.unit_id = x.unit_id and fi.undone_at is null and fi.filed_at > x.sent_at ${onTask}
              and case when a.task_id is not null then fi.task_id = a.task_id
                       else t.due_at < x.sent_at end) as filed_since
        from (select distinct on (s.unit_id) s.unit_id, s.sent_at, s.period from scheduled_sends s
              where s.kind = 'urge' and s.status = 'sent' and s.sent_at is not null
                and s.unit_id = any(${`{${unitIds.map(Number).join(',')}}`}::bigint[])
              order by s.unit_id, s.sent_at desc) x
          left join lateral (select actor, details, task_id from audit_log
              where action = 'urge' and unit_id = x.unit_id and at <= x.sent_at
              order by at desc limit 1) a on true`,
  );
  return new Map(
    rows.map((r) => [
      Number(r.unit_id),
      {
        sentAt: new Date(r.sent_at),
        byLabel: r.by_label,
        by: r.by,
        taskId: r.task_id === null ? null : Number(r.task_id),
        messageIds: r.message_ids ? r.message_ids.split(',') : [],
        chatIds: r.chat_ids ? r.chat_ids.split(',') : [],
        filedSince: Number(r.filed_since),
      },
    ]),
  );
}
