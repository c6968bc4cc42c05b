import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { missingText } from '../../domain/checklist-task-state.js';
import { daysOverdue } from '../../domain/working-days.js';
import { perTaskFiled } from './completeness.js';
import { getUnitById } from './units.js';

export interface MissingTask {
  taskId: number;
  code: string;
  title: string;
  unitId: number;
  unitName: string;
  /** The unit's parent's name (a village's township), to tell apart villages of the same name. */
  parentName: string | null;
  /** The unit's path ('/1/7/42/'): who may see or act on it. */
  unitPath: string;
  householdName: string | null;
  campaignCode: string;
  kinds: string[];
  dueAt: Date;
  overdue: boolean;
  /** Whole days past due (0 when not overdue). */
  daysOverdue: number;
  filed: number;
  minCount: number;
  missing: number;
  /** 还缺 3 张照片 */
  missingText: string;
}

export interface MissingList {
  /** All missing tasks in the subtree (the list may be cut at `limit`). */
  total: number;
  items: MissingTask[];
}

/**
 * What is still missing under a unit (itself and its subtree), most urgent first: overdue tasks
 * first, then by due date. Waived and complete tasks are left out, and so are the tasks of retired
 * units (撤并: no longer chased; a task complete when its village merged and that lost an item since
 * was listed under the township as owed, one more than the 逾期 count above the list) — a retired
 * unit owes nothing, so its own list is empty.
 *
 * Which tasks can be among the first `limit` comes from unit_progress_counts (migration 0014): the
 * earliest due times with something missing, and for each the first units in path order with
 * something missing then — so a province reads the tasks of a few villages, not all of them. `direct`
 * reads every task of the subtree instead (what the counts must agree with; tests compare them).
 */
export async function missingForUnit(
  db: Db,
  unitId: number,
  now: Date,
  opts: { limit?: number; offset?: number; campaignId?: number; direct?: boolean; timeZone: string },
): Promise<MissingList> {
  const root = await getUnitById(db, unitId);
  if (!root || root.status === 'retired') return { total: 0, items: [] };
  const limit = opts.limit ?? 100;
  // A later page: the first `offset` are skipped (the candidates cover them and the page).
  const offset = opts.offset ?? 0;
  const campaign = opts.campaignId === undefined ? sql`` : sql`and t.campaign_id = ${opts.campaignId}`;
  let units = sql`select id from units where path like ${`${root.path}%`} and status = 'active'`;
  let due = sql``;
  let counted: number | undefined;
  if (!opts.direct) {
    const c = await candidates(db, root, offset + limit, opts.campaignId);
    if (c.total === 0) return { total: 0, items: [] };
    counted = c.total;
    units = sql`select unnest(${`{${c.unitIds.join(',')}}`}::bigint[])`;
    due = sql`and t.due_at = any(${`{${c.dues.map((d) => `"${d}"`).join(',')}}`}::timestamptz[])`;
  }
  const nowTs = sql`${now.toISOString()}::timestamptz`;
  // Rank on the narrow per-task rows first; fetch titles, names … only for the rows kept.
  type Id = number | string;
  const rows = await queryRows<{
    id: Id;
    total: number;
    filed: number | string;
    code: string;
    title: string;
    kinds: string[];
    min_count: number;
    due_at: Date | string;
    unit_id: Id;
    unit_name: string;
    parent_name: string | null;
    unit_path: string;
    head_name: string | null;
    campaign_code: string;
  }>(
    db,
    sql`with m as (
          select p.id, p.due_at, p.position, p.code, p.filed, u.path, count(*) over ()::int as total
          from (${perTaskFiled(units, sql`t.state = 'open' ${campaign} ${due}`)}) p
            join units u on u.id = p.unit_id
          where p.filed < p.min_count
          order by (p.due_at < ${nowTs}) desc, p.due_at, u.path, p.position, p.code, p.id
          limit ${limit} offset ${offset})
        select m.id, m.total, m.filed, t.code, t.title, t.kinds, t.min_count, t.due_at, t.unit_id,
          u.name as unit_name, pu.name as parent_name, u.path as unit_path, h.head_name, c.code as campaign_code
        from m join tasks t on t.id = m.id
          join units u on u.id = t.unit_id
          left join units pu on pu.id = u.parent_id
          join campaigns c on c.id = t.campaign_id
          left join households h on h.id = t.household_id
        order by (m.due_at < ${nowTs}) desc, m.due_at, m.path, m.position, m.code, m.id`,
  );
  const items = rows.map((r): MissingTask => {
    const dueAt = new Date(r.due_at);
    const filed = Number(r.filed);
    const minCount = Number(r.min_count);
    const lateMs = now.getTime() - dueAt.getTime();
    return {
      taskId: Number(r.id),
      code: r.code,
      title: r.title,
      unitId: Number(r.unit_id),
      unitName: r.unit_name,
      parentName: r.parent_name ?? null,
      unitPath: r.unit_path,
      householdName: r.head_name ?? null,
      campaignCode: r.campaign_code,
      kinds: r.kinds,
      dueAt,
      overdue: lateMs > 0,
      daysOverdue: daysOverdue(dueAt, now, opts.timeZone),
      filed,
      minCount,
      missing: minCount - filed,
      missingText: missingText(r.kinds, minCount - filed),
    };
  });
  return { total: counted ?? Number(rows[0]?.total ?? 0), items };
}

/**
 * From the counts: how many tasks are missing under the root, and the due times and units whose tasks
 * hold the first `limit` of them in (due time, unit path) order — each unit listed has at least one.
 *
 * Per due time, the units are found walking down from the root rather than reading every unit of the
 * subtree: a unit's children in path order with their subtrees' missing counts tell which children
 * are needed whole (all their units with something missing: one query at the end for all of them) and
 * which one only in part (walked into next). So a province costs a query per level, not its 15,000
 * villages' rows.
 */
async function candidates(
  db: Db,
  root: { id: number; path: string },
  limit: number,
  campaignId: number | undefined,
): Promise<{ total: number; dues: string[]; unitIds: number[] }> {
  const campaign = campaignId === undefined ? sql`` : sql`and c.campaign_id = ${campaignId}`;
  const missing = sql`(c.total - c.waived - c.complete)`;
  const [all, retired] = await Promise.all([
    queryRows<{ due_at: string; n: number }>(
      db,
      sql`select c.due_at::text as due_at, sum(${missing})::int as n
          from unit_progress_rows c where c.unit_id = ${root.id} and c.subtree ${campaign}
          group by c.due_at having sum(${missing}) > 0 order by c.due_at`,
    ),
    // The retired units' own missing tasks (撤并: not chased), per due time: the subtrees' counts hold
    // them, so they are taken off below (the root is active: a retired one lists nothing).
    queryRows<{ path: string; due_at: string; n: number }>(
      db,
      sql`select u.path, c.due_at::text as due_at, sum(${missing})::int as n
          from units u join unit_progress_rows c on c.unit_id = u.id and not c.subtree ${campaign}
          where u.path like ${`${root.path}%`} and u.status = 'retired'
          group by u.path, c.due_at having sum(${missing}) <> 0`,
    ),
  ]);
  /** The retired units' missing tasks due at `due` under the unit of `path`. */
  const retiredUnder = (path: string, due: string) =>
    retired.reduce((n, r) => (r.due_at === due && r.path.startsWith(path) ? n + Number(r.n) : n), 0);
  const buckets = all
    .map((b) => ({ due_at: b.due_at, n: Number(b.n) - retiredUnder(root.path, b.due_at) }))
    .filter((b) => b.n > 0);
  const total = buckets.reduce((sum, b) => sum + b.n, 0);
  const dues: string[] = [];
  const unitIds = new Set<number>();
  let left = limit;
  for (const b of buckets) {
    if (left <= 0) break;
    dues.push(b.due_at);
    const due = sql`c.due_at = ${b.due_at}::timestamptz ${campaign}`;
    const whole: string[] = [];
    let need = Math.min(Number(b.n), left);
    // The unit walked into and its children, in path order (the unit first: its path is their prefix).
    for (let at: number | undefined = root.id; at !== undefined && need > 0;) {
      const rows: { id: number; path: string; own: number; sub: number }[] = await queryRows(
        db,
        sql`select u.id::int as id, u.path,
              coalesce(sum(${missing}) filter (where not c.subtree), 0)::int as own,
              coalesce(sum(${missing}) filter (where c.subtree), 0)::int as sub
            from units u join unit_progress_rows c on c.unit_id = u.id and ${due}
            where u.id = ${at} or u.parent_id = ${at}
            group by u.id, u.path order by u.path`,
      );
      const parent = at;
      at = undefined;
      // A child's subtree less its retired units (a retired child's: nothing left).
      for (const r of rows) r.sub = Number(r.sub) - retiredUnder(r.path, b.due_at);
      for (const r of rows) {
        if (need <= 0) break;
        if (Number(r.id) === parent) {
          if (Number(r.own) > 0) {
            unitIds.add(Number(r.id));
            need -= Number(r.own);
          }
        } else if (Number(r.sub) > 0 && Number(r.sub) <= need) {
          whole.push(r.path);
          need -= Number(r.sub);
        } else if (Number(r.sub) > 0) {
          at = Number(r.id);
          break;
        }
      }
    }
    if (whole.length > 0) {
      const rows = await queryRows<{ id: number }>(
        db,
        sql`select u.id::int as id
            from units u join unit_progress_rows c on c.unit_id = u.id and not c.subtree and ${due}
            where u.path like any(${`{${whole.map((p) => `"${p}%"`).join(',')}}`}::text[])
              and u.status = 'active'
            group by u.id having sum(${missing}) > 0`,
      );
      for (const r of rows) unitIds.add(Number(r.id));
    }
    left -= Math.min(Number(b.n), left);
  }
  return { total, dues, unitIds: [...unitIds] };
}
