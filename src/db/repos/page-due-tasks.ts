import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { missingText } from '../../domain/checklist-task-state.js';
import { FILED_OF } from './digest-figures.js';

export interface DueTask {
  taskId: number;
  code: string;
  title: string;
  unitId: number;
  unitName: string;
  householdName: string | null;
  /** 还缺 3 张照片 */
  missingText: string;
}

/**
 * The open tasks of a unit's subtree due in [from, to) that still miss materials — what the weekly
 * digest's 「接下来的截止日期」 line counts for that day (`scopeDays`, read the same way: per unit,
 * each task's filings by index) — in due order, at most `limit`, with how many there are in all.
 */
export async function openTasksDue(
  db: Db,
  root: { path: string },
  from: Date,
  to: Date,
  limit = 50,
): Promise<{ total: number; tasks: DueTask[] }> {
  type Id = number | string;
  const rows = await queryRows<{
    id: Id;
    code: string;
    title: string;
    kinds: string[];
    missing: Id;
    unit_id: Id;
    unit_name: string;
    head_name: string | null;
    total: Id;
  }>(
    db,
    sql`with s as materialized (select id, path, name from units where path like ${`${root.path}%`})
        select t.id, t.code, t.title, t.kinds, (t.min_count - x.filed)::int as missing, s.id as unit_id,
          s.name as unit_name, h.head_name, count(*) over ()::int as total
        from s cross join lateral (
            select id, unit_id, due_at, position, code, title, kinds, household_id, min_count, kind_mask
            from tasks where unit_id = s.id and state = 'open' and due_at >= ${from} and due_at < ${to}
            offset 0) t
          cross join lateral (
            select ${FILED_OF} as filed from (
              select sum(n_photo) as n_photo, sum(n_document) as n_document, sum(n_audio) as n_audio,
                sum(n_video) as n_video
              from filing_items where undone_at is null and unit_id = t.unit_id and task_id = t.id) f) x
          left join households h on h.id = t.household_id
        where x.filed < t.min_count
        order by t.due_at, s.path, t.position, t.code
        limit ${limit}`,
  );
  return {
    total: Number(rows[0]?.total ?? 0),
    tasks: rows.map((r) => ({
      taskId: Number(r.id),
      code: r.code,
      title: r.title,
      unitId: Number(r.unit_id),
      unitName: r.unit_name,
      householdName: r.head_name ?? null,
      missingText: missingText(r.kinds, Number(r.missing)),
    })),
  };
}
