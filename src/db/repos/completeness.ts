import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { ITEM_SUMS, itemFiled, summedFiled } from './filed-count.js';
import { missingCount, taskState, type TaskState } from '../../domain/checklist-task-state.js';
import { taskListState, type TaskListState } from '../../domain/task-list-state.js';
import { villageWord, type VillageWord } from '../../domain/village-word.js';

/**
 * Completeness is derived, never stored: a task's filed count is what its live (not undone) filing
 * items add to it by the one rule of db/repos/filed-count.ts (the kinds it accepts; photographed paper
 * in a document task). Items carry their per-kind counts, so nothing here touches materials.
 *
 * For small sets (one task, one unit): join items per task. Use with
 * `tasks t left join filing_items fi on fi.task_id = t.id and fi.undone_at is null`.
 */
const FILED_SUM = sql`coalesce(sum(${itemFiled('t.kind_mask', 'fi')}), 0)::int`;

export const LIVE_ITEMS_JOIN = sql.raw(
  `left join filing_items fi on fi.task_id = t.id and fi.undone_at is null`,
);

/** Ids of a unit and everything below it: one range scan on units_path_idx. */
export const subtreeUnitIds = (root: { path: string }): SQL =>
  sql`select id from units where path like ${`${root.path}%`}`;

/**
 * For whole subtrees (a county, a province): one row per task of the given units with its filed
 * count — columns id, unit_id, campaign_id, state, min_count, due_at, position, code, filed.
 * Tasks come from tasks_progress_idx and live items from filing_items_live_unit_idx, both
 * index-only scans in (unit, task) order, merge-joined: no per-task probes, no heap visits, no hash
 * table to spill (measured on the province: 1.7 s → 0.9 s of CPU). Kinds are
 * tested on the integer kind_mask (filed-count.ts), and `offset 0` keeps `filed` computed once per task (otherwise
 * the planner inlines it into every aggregate that uses it).
 */
export function perTaskFiled(unitIds: SQL, where: SQL = sql`true`): SQL {
  return sql`select t.id, t.unit_id, t.campaign_id, t.state, t.min_count, t.due_at, t.position, t.code,
      ${summedFiled('t.kind_mask', 'f')} as filed
    from tasks t
      left join (
        select unit_id, task_id, ${ITEM_SUMS}
        from filing_items
        where undone_at is null and unit_id = any(array(${unitIds}))
        group by unit_id, task_id) f on f.unit_id = t.unit_id and f.task_id = t.id
    where t.unit_id = any(array(${unitIds})) and ${where}
    offset 0`;
}

export interface TaskStatus {
  taskId: number;
  campaignId: number;
  /** The campaign's 年度 (codes repeat every year). */
  campaignYear: number;
  unitId: number;
  householdId: number | null;
  householdName: string | null;
  householdCode: string | null;
  code: string;
  title: string;
  kinds: string[];
  keywords: string[];
  minCount: number;
  dueAt: Date;
  responsible: string[];
  filed: number;
  missing: number;
  state: TaskState;
}

/** Status of every task matching `where` (a condition on `t`, the tasks table); for small sets. */
export async function taskStatuses(db: Db, where: SQL): Promise<TaskStatus[]> {
  type Id = number | string;
  const rows = await queryRows<{
    id: Id;
    campaign_id: Id;
    campaign_year: Id;
    unit_id: Id;
    household_id: Id | null;
    code: string;
    title: string;
    kinds: string[];
    keywords: string[];
    min_count: number;
    due_at: Date | string;
    responsible: string[];
    state: string;
    head_name: string | null;
    household_code: string | null;
    filed: number | string;
  }>(
    db,
    sql`select t.id, t.campaign_id, (select c.year from campaigns c where c.id = t.campaign_id) as campaign_year, t.unit_id, t.household_id, t.code, t.title, t.kinds, t.keywords,
          t.min_count, t.due_at, t.responsible, t.state, h.head_name, h.code as household_code,
          ${FILED_SUM} as filed
        from tasks t ${LIVE_ITEMS_JOIN}
          left join households h on h.id = t.household_id
        where ${where}
        group by t.id, h.id
        order by t.due_at, t.position, t.code`,
  );
  return rows.map((r) => {
    const s = { waived: r.state === 'waived', filed: Number(r.filed), minCount: Number(r.min_count) };
    return {
      taskId: Number(r.id),
      campaignId: Number(r.campaign_id),
      campaignYear: Number(r.campaign_year),
      unitId: Number(r.unit_id),
      householdId: r.household_id == null ? null : Number(r.household_id),
      householdName: r.head_name ?? null,
      householdCode: r.household_code ?? null,
      code: r.code,
      title: r.title,
      kinds: r.kinds,
      keywords: r.keywords,
      minCount: s.minCount,
      dueAt: new Date(r.due_at),
      responsible: r.responsible,
      filed: s.filed,
      missing: missingCount(s),
      state: taskState(s),
    };
  });
}

export async function taskProgress(db: Db, taskId: number): Promise<TaskStatus | undefined> {
  const [row] = await taskStatuses(db, sql`t.id = ${taskId}`);
  return row;
}

/**
 * Tasks of one unit (households included) that can take a filing — not waived, complete ones too
 * (more evidence is welcome; suggestions rank them last). The suggestion candidates.
 */
export async function fileableTasksOfUnit(db: Db, unitId: number): Promise<TaskStatus[]> {
  return taskStatuses(db, sql`t.unit_id = ${unitId} and t.state = 'open'`);
}

/** Which of `unitIds` have an open task, something a burst of their chats can be filed to. */
export async function unitsWithOpenTasks(db: Db, unitIds: readonly number[]): Promise<Set<number>> {
  if (unitIds.length === 0) return new Set();
  const rows = await queryRows<{ id: number }>(
    db,
    sql`select x.id::int as id from jsonb_array_elements_text(${JSON.stringify(unitIds)}::jsonb) x(id)
        where exists (select 1 from tasks t where t.unit_id = x.id::bigint and t.state = 'open')`,
  );
  return new Set(rows.map((r) => Number(r.id)));
}

/**
 * Each of `unitIds`' task list state from its own tasks of every year: an open task, none ever given, or
 * all waived (免交), or (a township) none of its own — what a chat with nothing to choose is told
 * (domain/task-list-state.ts).
 */
export async function taskListStates(
  db: Db,
  unitIds: readonly number[],
): Promise<Map<number, TaskListState>> {
  if (unitIds.length === 0) return new Map();
  const rows = await queryRows<{ id: number; total: number; open: number; township: boolean }>(
    db,
    sql`select x.id::int as id, count(t.id)::int as total, count(t.id) filter (where t.state = 'open')::int as open,
          coalesce(bool_or(u.kind = 'township'), false) as township
        from jsonb_array_elements_text(${JSON.stringify(unitIds)}::jsonb) x(id)
          left join units u on u.id = x.id::bigint
          left join tasks t on t.unit_id = x.id::bigint
        group by x.id`,
  );
  const words = await villageWordsOf(
    db,
    rows.filter((r) => r.township === true).map((r) => Number(r.id)),
  );
  return new Map(
    rows.map((r) => [
      Number(r.id),
      taskListState(
        { total: Number(r.total), open: Number(r.open) },
        r.township === true ? (words.get(Number(r.id)) ?? villageWord([])) : undefined,
      ),
    ]),
  );
}

/** What each unit's active villages are called (domain/village-word.ts), from their names. */
export async function villageWordsOf(db: Db, unitIds: readonly number[]): Promise<Map<number, VillageWord>> {
  if (unitIds.length === 0) return new Map();
  const rows = await queryRows<{ id: number | string; name: string }>(
    db,
    sql`select x.id::int as id, v.name
        from jsonb_array_elements_text(${JSON.stringify(unitIds)}::jsonb) x(id)
          join units u on u.id = x.id::bigint
          join units v on v.path like u.path || '%' and v.kind = 'village' and v.status = 'active'`,
  );
  const names = new Map<number, string[]>(unitIds.map((id) => [id, []]));
  for (const r of rows) names.get(Number(r.id))?.push(r.name);
  return new Map([...names].map(([id, n]) => [id, villageWord(n)]));
}

/** What one unit's active villages are called (villageWordsOf). */
export async function villageWordOf(db: Db, unitId: number): Promise<VillageWord> {
  return (await villageWordsOf(db, [unitId])).get(unitId) ?? villageWord([]);
}

/** One unit's task list state (taskListStates). */
export async function taskListStateOf(db: Db, unitId: number): Promise<TaskListState> {
  return (await taskListStates(db, [unitId])).get(unitId) ?? { kind: 'not_given' };
}

/**
 * The fileable tasks of one household of the unit, or (`householdId` null) the unit's own tasks: the
 * filing card's second state. A household of another unit has none here.
 */
export async function fileableTasksOfHousehold(
  db: Db,
  unitId: number,
  householdId: number | null,
): Promise<TaskStatus[]> {
  return taskStatuses(
    db,
    householdId === null
      ? sql`t.unit_id = ${unitId} and t.state = 'open' and t.household_id is null`
      : sql`t.unit_id = ${unitId} and t.state = 'open' and t.household_id = ${householdId}`,
  );
}
