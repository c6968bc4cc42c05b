import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { itemFiled } from './filed-count.js';
import { currentOwners } from '../../domain/task-owners.js';
import { withAnalyticSettings } from './schedule-analytics.js';

/**
 * An open task still missing materials, due before the horizon (overdue or due soon). Compact: a
 * province has ~100,000 of these, so rows come straight from the driver (no second copy) with
 * numbers for times and comma-joined text for the lists.
 */
export interface ReminderCandidate {
  taskId: number;
  unitId: number;
  /** Due instant in ms since the epoch. */
  dueMs: number;
  /** The due date in the deployment's zone, 'YYYY-MM-DD'. */
  dueDay: string;
  missing: number;
  position: number;
  code: string;
  title: string;
  /** Accepted kinds, comma-joined: 'document,photo'. */
  kinds: string;
  householdName: string | null;
  /** Responsible open_ids, comma-joined ('' for none). */
  responsible: string;
}

/**
 * Every open task of an active unit due before `horizon` that still lacks materials, in the whole
 * database (or the given units): one pass over tasks, and the live filing items of just those tasks, joined by
 * hash — set-based, so a province (750,000 tasks) is one query, not one per village.
 */
export async function reminderCandidates(
  db: Db,
  opts: { horizon: Date; timeZone: string; unitIds?: number[] },
): Promise<ReminderCandidate[]> {
  const units =
    opts.unitIds === undefined
      ? sql``
      : sql`and t.unit_id = any(${`{${opts.unitIds.map(Number).join(',')}}`}::bigint[])`;
  return withAnalyticSettings(db, (tx) =>
    queryRows<ReminderCandidate>(
      tx,
      sql`with c as (
          select t.id, t.unit_id, t.due_at, t.min_count, t.position, t.code, t.kinds, t.kind_mask, t.title,
            t.responsible, t.household_id
          from tasks t
          where t.state = 'open' and t.due_at < ${opts.horizon} ${units}
            -- A retired unit (撤并) is not chased, even for a task that was complete when it retired.
            and not exists (select 1 from units r where r.id = t.unit_id and r.status = 'retired')),
        f as (
          select fi.task_id, sum(${itemFiled('c.kind_mask', 'fi')})::int as filed
          from c join filing_items fi on fi.task_id = c.id and fi.undone_at is null
          group by fi.task_id)
        select c.id::int as "taskId", c.unit_id::int as "unitId",
          (extract(epoch from c.due_at) * 1000)::float8 as "dueMs",
          to_char(c.due_at at time zone ${opts.timeZone}, 'YYYY-MM-DD') as "dueDay",
          (c.min_count - coalesce(f.filed, 0))::int as missing, c.position, c.code, c.title,
          array_to_string(c.kinds, ',') as kinds, array_to_string(c.responsible, ',') as responsible,
          h.head_name as "householdName"
        from c left join f on f.task_id = c.id left join households h on h.id = c.household_id
        where coalesce(f.filed, 0) < c.min_count`,
    ),
  );
}

/** 'a,b' → ['a', 'b']; '' → []. */
export const splitList = (s: string | null | undefined): string[] => (s ? s.split(',') : []);

export interface ReminderTaskDetail {
  taskId: number;
  unitId: number;
  unitName: string;
  /** The unit's parent's name (a village's township), to tell apart villages of the same name. */
  parentName: string | null;
  code: string;
  title: string;
  kinds: string[];
  householdName: string | null;
  /** The owners named when the task was made. */
  responsible: string[];
  /** Those of them who still hold an officer's or leader's role at the task's unit or above. */
  stillHolding: string[];
  /** The unit's officers now. */
  officers: string[];
}

/** Titles, kinds and owners of the tasks a message will list (domain/task-owners.ts picks who to name). */
export async function reminderTaskDetails(
  db: Db,
  taskIds: number[],
): Promise<Map<number, ReminderTaskDetail>> {
  const out = new Map<number, ReminderTaskDetail>();
  if (taskIds.length === 0) return out;
  const rows = await queryRows<{
    id: number;
    unit_id: number;
    unit_name: string;
    parent_name: string | null;
    code: string;
    title: string;
    kinds: string[];
    responsible: string[] | null;
    still_holding: string[] | null;
    officers: string[] | null;
    head_name: string | null;
  }>(
    db,
    sql`select t.id::int as id, t.unit_id::int as unit_id, u.name as unit_name, pu.name as parent_name, t.code, t.title,
          t.kinds, t.responsible,
          array(select o from unnest(t.responsible) as o
            where exists (select 1 from unit_roles ur join units a on a.id = ur.unit_id
              where ur.open_id = o and ur.role in ('officer', 'leader') and u.path like a.path || '%')) as still_holding,
          array(select ur.open_id from unit_roles ur where ur.unit_id = t.unit_id and ur.role = 'officer'
            order by ur.open_id) as officers,
          h.head_name
        from tasks t join units u on u.id = t.unit_id left join units pu on pu.id = u.parent_id
          left join households h on h.id = t.household_id
        where t.id = any(${`{${taskIds.map(Number).join(',')}}`}::bigint[])`,
  );
  for (const r of rows)
    out.set(r.id, {
      taskId: r.id,
      unitId: r.unit_id,
      unitName: r.unit_name,
      parentName: r.parent_name ?? null,
      code: r.code,
      title: r.title,
      kinds: r.kinds,
      householdName: r.head_name ?? null,
      responsible: r.responsible ?? [],
      stillHolding: r.still_holding ?? [],
      officers: r.officers ?? [],
    });
  return out;
}

/** Who answers for the task now (domain/task-owners.ts): the digest, escalations and the pages name them. */
export const ownersNow = (d: ReminderTaskDetail): string[] =>
  currentOwners(d.responsible, (id) => d.stillHolding.includes(id), d.officers);

/**
 * The owners now of each task (the pages' 负责人), as the digest that links to them names them: never
 * someone named when the task was made who has left since.
 */
export async function ownersOfTasks(db: Db, taskIds: number[]): Promise<Map<number, string[]>> {
  const details = await reminderTaskDetails(db, taskIds);
  return new Map([...details].map(([id, d]) => [id, ownersNow(d)]));
}
