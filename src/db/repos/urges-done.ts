import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/** One 督办 that reached its village's chats: a village's (its overdue tasks) or one task's. */
export interface UrgeDone {
  unitId: number;
  unitName: string;
  /** The local day it counts for (scheduled_sends.period's day: a 督办 pressed in quiet hours, the next). */
  day: string;
  /** The task urged; null: the village's overdue tasks. */
  task: { id: number; code: string; title: string } | null;
  /** Who pressed it as its card named them (「城关镇领导 张三」), when recorded; else their open_id. */
  byLabel: string | null;
  by: string | null;
}

/**
 * The 督办 of the units `units` (a `select id, path` subquery) counted for the local days [fromDay,
 * toDay): one per (unit, send key: `urgePeriod`) that reached at least one chat (scheduled_sends kind
 * `urge`, `sent`), however many chats it went to; the digest counts them, the unit page lists them.
 * Oldest first (one day: by unit, a village's before its tasks').
 */
export async function urgesDone(db: Db, units: SQL, fromDay: string, toDay: string): Promise<UrgeDone[]> {
  const rows = await queryRows<{
    unit_id: number;
    unit_name: string;
    period: string;
    task_id: number | null;
    code: string | null;
    title: string | null;
    by_label: string | null;
    by: string | null;
  }>(
    db,
    sql`with s as materialized (${units}),
        x as (select ss.unit_id, ss.period, min(ss.sent_at) as sent_at from scheduled_sends ss
          where ss.kind = 'urge' and ss.status = 'sent' and ss.period >= ${fromDay} and ss.period < ${toDay}
            and ss.unit_id in (select id from s)
          group by ss.unit_id, ss.period)
        select x.unit_id::int as unit_id, u.name as unit_name, x.period, t.id::int as task_id, t.code, t.title,
          a.details->>'by' as by_label, a.actor as by
        from x join units u on u.id = x.unit_id
          left join tasks t on position(':t' in x.period) > 0
            and t.id = nullif(split_part(x.period, ':t', 2), '')::bigint
          left join lateral (select actor, details from audit_log
              where action = 'urge' and unit_id = x.unit_id and at <= x.sent_at
                and (details->>'period' is null or details->>'period' = x.period)
              order by at desc limit 1) a on true
        order by x.sent_at, x.unit_id, x.period`,
  );
  return rows.map((r) => ({
    unitId: Number(r.unit_id),
    unitName: r.unit_name,
    day: r.period.slice(0, 10),
    task: r.task_id === null ? null : { id: Number(r.task_id), code: r.code ?? '', title: r.title ?? '' },
    byLabel: r.by_label,
    by: r.by,
  }));
}
