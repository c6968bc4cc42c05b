import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { subtreeUnitIds } from './completeness.js';

export interface QualityProblem {
  itemId: number | null;
  title: string;
  unitName: string;
  at: Date;
}

export interface QualityProblems {
  compressed: { total: number; items: QualityProblem[] };
  undescribed: { total: number; items: QualityProblem[] };
  failedDownloads: { total: number; items: QualityProblem[] };
}

const LIST = 10;

/**
 * Quality problems under a unit: compressed photos (no EXIF or under 3 MP) in live items, photo
 * groups without a DA/T 50 description (事由), and materials whose download failed in the unit's chats.
 */
export async function qualityProblems(db: Db, root: { path: string }): Promise<QualityProblems> {
  const ids = subtreeUnitIds(root);
  const compressed = await queryRows<any>(
    db,
    sql`select fi.id::int as item_id, fi.title, u.name as unit_name, fi.filed_at as at, count(*) over ()::int as total
        from filing_items fi join units u on u.id = fi.unit_id
        where fi.unit_id = any(array(${ids})) and fi.undone_at is null and exists (
          select 1 from filing_item_materials fim join materials m on m.id = fim.material_id
          where fim.item_id = fi.id and m.quality = 'compressed')
        order by fi.filed_at desc limit ${LIST}`,
  );
  const undescribed = await queryRows<any>(
    db,
    sql`select fi.id::int as item_id, fi.title, u.name as unit_name, fi.filed_at as at, count(*) over ()::int as total
        from filing_items fi join units u on u.id = fi.unit_id
          left join item_descriptions d on d.item_id = fi.id
        where fi.unit_id = any(array(${ids})) and fi.undone_at is null and fi.kind = 'photo_group'
          and coalesce(d.reason, '') = ''
        order by fi.filed_at desc limit ${LIST}`,
  );
  const failed = await queryRows<any>(
    db,
    sql`select null::int as item_id, coalesce(m.original_name, m.kind) as title, u.name as unit_name, m.sent_at as at,
          count(*) over ()::int as total
        from materials m join chat_bindings b on b.chat_id = m.chat_id and b.status <> 'ended'
          join units u on u.id = b.unit_id
        where b.unit_id = any(array(${ids})) and m.status in ('failed', 'needs_reupload', 'too_large')
        order by m.sent_at desc limit ${LIST}`,
  );
  const pack = (rows: any[]) => ({
    total: rows.length > 0 ? Number(rows[0].total) : 0,
    items: rows.map((r) => ({
      itemId: r.item_id == null ? null : Number(r.item_id),
      title: r.title,
      unitName: r.unit_name,
      at: new Date(r.at),
    })),
  });
  return { compressed: pack(compressed), undescribed: pack(undescribed), failedDownloads: pack(failed) };
}

export interface TrendPoint {
  week: string;
  total: number;
  done: number;
  overdue: number;
}

/** The unit's weekly completeness as the digests recorded it, oldest first (at most `weeks`). */
export async function completenessTrend(db: Db, unitId: number, weeks = 12): Promise<TrendPoint[]> {
  const rows = await queryRows<any>(
    db,
    sql`select week, total, done, overdue from completeness_snapshots where unit_id = ${unitId}
        order by week desc limit ${weeks}`,
  );
  return rows
    .map((r) => ({ week: r.week, total: Number(r.total), done: Number(r.done), overdue: Number(r.overdue) }))
    .reverse();
}

/** Units (among those given) whose chats got a 督办 on `period` (a local day). */
export async function urgedUnits(db: Db, unitIds: number[], period: string): Promise<Set<number>> {
  if (unitIds.length === 0) return new Set();
  const rows = await queryRows<{ unit_id: number }>(
    db,
    sql`select distinct unit_id::int as unit_id from scheduled_sends where kind = 'urge' and period = ${period}
          and unit_id = any(${`{${unitIds.map(Number).join(',')}}`}::bigint[])`,
  );
  return new Set(rows.map((r) => Number(r.unit_id)));
}
