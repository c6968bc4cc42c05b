import { sql, type SQL } from 'drizzle-orm';
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
/** Bound chats above which a unit page reads quality problems province-style (see qualityProblems). */
const WIDE = 500;
/** Quality problems are those of the last 30 days (like the digest's week): what needs doing now. */
export const QUALITY_WINDOW_DAYS = 30;

/** A row of the quality lists below (the window count comes with every row). */
interface QualityRow {
  item_id: number | null;
  title: string | null;
  unit_name: string;
  at: Date | string;
  total: number;
}

/**
 * Quality problems under a unit in the last 30 days: compressed photos (no EXIF or under 3 MP) and
 * failed downloads among what was posted in the units' chats, and photo groups filed without a
 * DA/T 50 description (事由). Read like the digest's figures: per bound chat on (chat_id, sent_at),
 * per unit on its live items, so a province costs one index range per chat and unit.
 */
export async function qualityProblems(
  db: Db,
  root: { path: string },
  now: Date,
  opts: { wide?: boolean } = {},
): Promise<QualityProblems> {
  const ids = subtreeUnitIds(root);
  const since = new Date(now.getTime() - QUALITY_WINDOW_DAYS * 86_400_000);
  const [{ chats }] = (await queryRows<{ chats: number }>(
    db,
    sql`select count(*)::int as chats from chat_bindings b join units u on u.id = b.unit_id
        where b.status <> 'ended' and u.path like ${`${root.path}%`}`,
  )) as [{ chats: number }];
  // Past WIDE chats (a province) the recent problems of every chat are read at once on their own
  // partial indexes and kept when their chat's unit is in the subtree; below it, chat by chat.
  const wide = opts.wide ?? Number(chats) > WIDE;
  const posted = (where: SQL) =>
    wide
      ? sql`select m.id, m.kind, m.original_name, m.sent_at, m.status, m.quality, u.name as unit_name
          from (select id, chat_id, kind, original_name, sent_at, status, quality from materials
              where sent_at >= ${since} and ${where}) m
            join chat_bindings b on b.chat_id = m.chat_id and b.status <> 'ended'
            join units u on u.id = b.unit_id
          where u.path like ${`${root.path}%`}`
      : sql`with s as materialized (${ids})
    select m.id, m.kind, m.original_name, m.sent_at, m.status, m.quality, u.name as unit_name
    from s join chat_bindings b on b.unit_id = s.id and b.status <> 'ended' join units u on u.id = s.id
      cross join lateral (
        select id, kind, original_name, sent_at, status, quality from materials
        where chat_id = b.chat_id and sent_at >= ${since} and ${where} offset 0) m`;
  const compressed = await queryRows<QualityRow>(
    db,
    sql`select fim.item_id::int as item_id, fi.title, p.unit_name, p.sent_at as at, count(*) over ()::int as total
        from (${posted(sql`kind = 'photo' and quality = 'compressed'`)}) p
          left join filing_item_materials fim on fim.material_id = p.id
          left join filing_items fi on fi.id = fim.item_id and fi.undone_at is null
        order by p.sent_at desc limit ${LIST}`,
  );
  const undescribed = await queryRows<QualityRow>(
    db,
    wide
      ? sql`select fi.id::int as item_id, fi.title, u.name as unit_name, fi.filed_at as at, count(*) over ()::int as total
          from filing_items fi join units u on u.id = fi.unit_id
            left join item_descriptions d on d.item_id = fi.id
          where fi.undone_at is null and fi.kind = 'photo_group' and fi.filed_at >= ${since}
            and u.path like ${`${root.path}%`} and coalesce(d.reason, '') = ''
          order by fi.filed_at desc limit ${LIST}`
      : sql`with s as materialized (${ids})
        select fi.id::int as item_id, fi.title, u.name as unit_name, fi.filed_at as at, count(*) over ()::int as total
        from s join units u on u.id = s.id
          cross join lateral (
            select id, title, filed_at from filing_items
            where unit_id = s.id and undone_at is null and kind = 'photo_group' and filed_at >= ${since} offset 0) fi
          left join item_descriptions d on d.item_id = fi.id
        where coalesce(d.reason, '') = ''
        order by fi.filed_at desc limit ${LIST}`,
  );
  const failed = await queryRows<QualityRow>(
    db,
    sql`select null::int as item_id, coalesce(p.original_name, p.kind) as title, p.unit_name, p.sent_at as at,
          count(*) over ()::int as total
        from (${posted(sql`status in ('failed', 'needs_reupload', 'too_large')`)}) p
        order by p.sent_at desc limit ${LIST}`,
  );
  const pack = (rows: QualityRow[]) => ({
    total: Number(rows[0]?.total ?? 0),
    items: rows.map((r) => ({
      itemId: r.item_id == null ? null : Number(r.item_id),
      title: r.title ?? '（未归档）',
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
  const rows = await queryRows<{ week: string; total: number; done: number; overdue: number }>(
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
