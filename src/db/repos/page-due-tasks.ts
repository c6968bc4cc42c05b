import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { missingText } from '../../domain/checklist-task-state.js';
import { FILED_OF } from './digest-figures.js';
import { ITEM_SUMS } from './filed-count.js';

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

/** A page of a day's open tasks: the page, how many there are in all, and how many follow it. */
export interface DueTasksPage {
  total: number;
  tasks: DueTask[];
  /** Tasks after this page (0: it is the last). */
  more: number;
}

/**
 * The open tasks of a unit's subtree due in [from, to) that still miss materials — what the weekly
 * digest's 「接下来的截止日期」 line counts for that day (`scopeDays`, read the same way: per active unit,
 * a retired one's (撤并) not chased, each task's filings by index) — in due order, a page of at most `limit` from the one after task
 * `after` (the last of the page before, by its own keys, so a task completed meanwhile shifts
 * nothing), with how many there are in all and how many follow the page.
 */
export async function openTasksDue(
  db: Db,
  root: { path: string },
  from: Date,
  to: Date,
  opts: { limit?: number; after?: number } = {},
): Promise<DueTasksPage> {
  type Id = number | string;
  const limit = opts.limit ?? 50;
  const after =
    opts.after === undefined
      ? sql`true`
      : sql`(d.due_at, d.path, d.position, d.code, d.id) > (
          select a.due_at, u.path, a.position, a.code, a.id from tasks a join units u on u.id = a.unit_id
          where a.id = ${opts.after})`;
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
    remaining: Id;
  }>(
    db,
    sql`with s as materialized (
          select id, path, name from units where path like ${`${root.path}%`} and status = 'active'),
        d as (
          select t.id, t.code, t.title, t.kinds, t.due_at, t.position, (t.min_count - x.filed)::int as missing,
            s.id as unit_id, s.path, s.name as unit_name, t.household_id, count(*) over ()::int as total
          from s cross join lateral (
              select id, unit_id, due_at, position, code, title, kinds, household_id, min_count, kind_mask
              from tasks where unit_id = s.id and state = 'open' and due_at >= ${from} and due_at < ${to}
              offset 0) t
            cross join lateral (
              select ${FILED_OF} as filed from (
                select ${ITEM_SUMS}
                from filing_items where undone_at is null and unit_id = t.unit_id and task_id = t.id) f) x
          where x.filed < t.min_count)
        select d.id, d.code, d.title, d.kinds, d.missing, d.unit_id, d.unit_name, h.head_name, d.total,
          count(*) over ()::int as remaining
        from d left join households h on h.id = d.household_id
        where ${after}
        order by d.due_at, d.path, d.position, d.code, d.id
        limit ${limit}`,
  );
  // Past the last task (or a cursor that no longer exists) there is no row to carry the total.
  const total =
    rows.length > 0 || opts.after === undefined
      ? Number(rows[0]?.total ?? 0)
      : (await openTasksDue(db, root, from, to, { limit: 1 })).total;
  return {
    total,
    more: Math.max(0, Number(rows[0]?.remaining ?? 0) - rows.length),
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
