import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { missingText } from '../../domain/checklist-task-state.js';
import { perTaskFiled, subtreeUnitIds } from './completeness.js';
import { getUnitById } from './units.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface MissingTask {
  taskId: number;
  code: string;
  title: string;
  unitId: number;
  unitName: string;
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
  responsible: string[];
}

export interface MissingList {
  /** All missing tasks in the subtree (the list may be cut at `limit`). */
  total: number;
  items: MissingTask[];
}

/**
 * What is still missing under a unit (itself and its subtree), most urgent first: overdue tasks
 * first, then by due date. Waived and complete tasks are left out.
 */
export async function missingForUnit(
  db: Db,
  unitId: number,
  now: Date,
  opts: { limit?: number; campaignId?: number } = {},
): Promise<MissingList> {
  const root = await getUnitById(db, unitId);
  if (!root) return { total: 0, items: [] };
  const campaign = opts.campaignId === undefined ? sql`` : sql`and t.campaign_id = ${opts.campaignId}`;
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
    responsible: string[];
    unit_id: Id;
    unit_name: string;
    unit_path: string;
    head_name: string | null;
    campaign_code: string;
  }>(
    db,
    sql`with m as (
          select p.id, p.due_at, p.position, p.code, p.filed, u.path, count(*) over ()::int as total
          from (${perTaskFiled(subtreeUnitIds(root), sql`t.state = 'open' ${campaign}`)}) p
            join units u on u.id = p.unit_id
          where p.filed < p.min_count
          order by (p.due_at < ${nowTs}) desc, p.due_at, u.path, p.position, p.code
          limit ${opts.limit ?? 100})
        select m.id, m.total, m.filed, t.code, t.title, t.kinds, t.min_count, t.due_at, t.responsible, t.unit_id,
          u.name as unit_name, u.path as unit_path, h.head_name, c.code as campaign_code
        from m join tasks t on t.id = m.id
          join units u on u.id = t.unit_id
          join campaigns c on c.id = t.campaign_id
          left join households h on h.id = t.household_id
        order by (m.due_at < ${nowTs}) desc, m.due_at, m.path, m.position, m.code`,
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
      unitPath: r.unit_path,
      householdName: r.head_name ?? null,
      campaignCode: r.campaign_code,
      kinds: r.kinds,
      dueAt,
      overdue: lateMs > 0,
      daysOverdue: lateMs > 0 ? Math.floor(lateMs / DAY_MS) : 0,
      filed,
      minCount,
      missing: minCount - filed,
      missingText: missingText(r.kinds, minCount - filed),
      responsible: r.responsible,
    };
  });
  return { total: Number(rows[0]?.total ?? 0), items };
}
