import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { ITEM_SUMS, summedFiled } from './filed-count.js';
import type { ScopeRaw } from '../../domain/digest.js';
import { addDays, localDay, zonedInstant } from '../../domain/working-days.js';
import { urgesDone } from './urges-done.js';
import { withAnalyticSettings } from './schedule-analytics.js';

export type { UnitCounts } from '../../domain/digest.js';

/** Filed count of task `t` from its live items' ITEM_SUMS `f` (filed-count.ts: the one rule). */
export const FILED_OF = summedFiled('t.kind_mask', 'f');

/**
 * A digest's figures over one subtree's active units (retired ones, 撤并, are not counted: nothing of
 * theirs is chased) or, `selfOnly`, over the unit alone, in set-based reads that run side by side on
 * separate connections: the next due days, then one pass per unit (lateral: the unit's tasks and live
 * items come from index-only scans and are aggregated per unit, never joined as a whole county at
 * once) giving counts and the per-day open counts; the oldest overdue tasks; and the week's activity.
 * What was filed in the week counts every unit of the subtree, a retired one's too (a village that
 * filed on Monday and merged on Wednesday did file: 查看上周提交's search lists those items, and the
 * card counted one item fewer); `selfOnly`, the unit and its retired children's subtrees (its active
 * children's figures are added to it).
 */
export async function scopeRaw(
  db: Db,
  root: { id: number; path: string },
  now: Date,
  opts: { timeZone: string; oldest: number; from: Date; to?: Date; selfOnly?: boolean },
): Promise<ScopeRaw> {
  const units: SQL = opts.selfOnly
    ? sql`select id, path from units where id = ${root.id}`
    : sql`select id, path from units where path like ${`${root.path}%`} and status = 'active'`;
  const filing: SQL = opts.selfOnly
    ? sql`select u.id, u.path from units u where u.id = ${root.id} or exists (
        select 1 from units c where c.parent_id = ${root.id} and c.status = 'retired' and u.path like c.path || '%')`
    : sql`select id, path from units where path like ${`${root.path}%`}`;
  const [perUnit, days, oldest, { activity, urgedNames }] = await Promise.all([
    scopeCounts(db, units, now),
    scopeDays(db, units, now, opts.timeZone),
    scopeOldest(db, units, now, opts.oldest),
    scopeActivity(db, filing, opts.from, opts.to ?? now, opts.timeZone),
  ]);
  return { perUnit, days, oldest, activity, urgedNames };
}

async function scopeCounts(db: Db, units: SQL, now: Date): Promise<ScopeRaw['perUnit']> {
  const nowTs = sql`${now.toISOString()}::timestamptz`;
  const rows = await withAnalyticSettings(db, (tx) =>
    queryRows<{
      unit_id: number;
      path: string;
      total: number;
      done: number;
      waived: number;
      overdue: number;
    }>(
      tx,
      sql`with s as materialized (${units})
          select s.id::int as unit_id, s.path, c.* from s cross join lateral (
            select count(*)::int as total,
              count(*) filter (where t.state = 'waived' or x.filed >= t.min_count)::int as done,
              count(*) filter (where t.state = 'waived')::int as waived,
              count(*) filter (where t.state <> 'waived' and x.filed < t.min_count and t.due_at < ${nowTs})::int
                as overdue
            from tasks t
              left join (
                select task_id, ${ITEM_SUMS}
                from filing_items where undone_at is null and unit_id = s.id group by task_id) f on f.task_id = t.id
              cross join lateral (select ${FILED_OF} as filed) x
            where t.unit_id = s.id) c
          where c.total > 0`,
    ),
  );
  return new Map(
    rows.map((r) => [
      Number(r.unit_id),
      { path: r.path, total: +r.total, done: +r.done, waived: +r.waived, overdue: +r.overdue },
    ]),
  );
}

/** The next three due days of open tasks (tasks only), then how many tasks due on them are incomplete. */
async function scopeDays(db: Db, units: SQL, now: Date, tz: string): Promise<ScopeRaw['days']> {
  const nowTs = sql`${now.toISOString()}::timestamptz`;
  return withAnalyticSettings(db, async (tx) => {
    const days = (
      await queryRows<{ day: string }>(
        tx,
        sql`with s as materialized (${units})
            select distinct to_char(t.due_at at time zone ${tz}, 'YYYY-MM-DD') as day
            from s cross join lateral (
              select due_at from tasks where unit_id = s.id and state = 'open' and due_at >= ${nowTs} offset 0) t
            order by 1 limit 3`,
      )
    ).map((d) => d.day);
    if (days.length === 0) return [];
    const until = zonedInstant(addDays(days.at(-1)!, 1), '00:00', tz);
    const open = await queryRows<{ day: string; open: number }>(
      tx,
      sql`with s as materialized (${units})
          select to_char(t.due_at at time zone ${tz}, 'YYYY-MM-DD') as day, count(*)::int as open
          from s cross join lateral (
              select id, unit_id, due_at, min_count, kind_mask from tasks
              where unit_id = s.id and state = 'open' and due_at >= ${nowTs} and due_at < ${until} offset 0) t
            cross join lateral (
              select ${FILED_OF} as filed from (
                select ${ITEM_SUMS}
                from filing_items where undone_at is null and unit_id = t.unit_id and task_id = t.id) f) x
          where x.filed < t.min_count
          group by 1`,
    );
    const byDay = new Map(open.map((o) => [o.day, Number(o.open)]));
    return days.map((day) => ({ day, open: byDay.get(day) ?? 0 }));
  });
}

/**
 * The oldest overdue open tasks in due order, each checked for what is filed until enough are
 * found still missing something: a sort of the overdue tasks and a few index probes.
 */
function scopeOldest(db: Db, units: SQL, now: Date, n: number): Promise<ScopeRaw['oldest']> {
  const limit = sql.raw(String(Math.max(0, Math.floor(n))));
  return withAnalyticSettings(db, (tx) =>
    queryRows<ScopeRaw['oldest'][number]>(
      tx,
      sql`with s as materialized (${units})
          select t.id::int as "taskId", t.unit_id::int as "unitId",
            (extract(epoch from t.due_at) * 1000)::float8 as "dueMs", (t.min_count - x.filed)::int as missing
          from (
            select t.id, t.unit_id, t.due_at, t.min_count, t.kind_mask
            from s cross join lateral (
              select id, unit_id, due_at, position, min_count, kind_mask from tasks
              where unit_id = s.id and state = 'open' and due_at < ${now.toISOString()}::timestamptz offset 0) t
            order by t.due_at, t.position, t.id offset 0) t
            cross join lateral (
              select ${FILED_OF} as filed from (
                select ${ITEM_SUMS}
                from filing_items where undone_at is null and unit_id = t.unit_id and task_id = t.id) f) x
          where x.filed < t.min_count
          limit ${limit}`,
    ),
  );
}

/**
 * Filings in [from, to) and quality problems of what was posted in the units' chats then, read as the
 * unit page's 质量问题 reads them over the same week (db/repos/page-unit.ts): compressed photos, photo
 * groups filed without 事由, and downloads that failed, need re-uploading or were too large; and the
 * 督办 of those days, as the unit page's 督办 list reads them.
 */
async function scopeActivity(
  db: Db,
  units: SQL,
  from: Date,
  to: Date,
  tz: string,
): Promise<Pick<ScopeRaw, 'activity' | 'urgedNames'>> {
  const [[filed], [quality], urges] = await Promise.all([
    queryRows<{ items: number; materials: number; undescribed: number }>(
      db,
      sql`with s as materialized (${units})
        select count(*)::int as items, coalesce(sum(i.n_photo + i.n_document + i.n_audio + i.n_video), 0)::int as materials,
          count(*) filter (where i.kind = 'photo_group' and not exists (select 1 from item_descriptions d
            where d.item_id = i.id and coalesce(d.reason, '') <> ''))::int as undescribed
        from s cross join lateral (
          select id, kind, n_photo, n_document, n_audio, n_video from filing_items
          where undone_at is null and unit_id = s.id and filed_at >= ${from} and filed_at < ${to} offset 0) i`,
    ),
    queryRows<{ compressed: number; needs_reupload: number; failed: number; too_large: number }>(
      db,
      sql`with s as materialized (${units})
        select count(*) filter (where m.kind = 'photo' and m.quality = 'compressed'
            and m.role is distinct from 'cover')::int as compressed,
          count(*) filter (where m.status = 'needs_reupload')::int as needs_reupload,
          count(*) filter (where m.status = 'failed')::int as failed,
          count(*) filter (where m.status = 'too_large')::int as too_large
        from s join chat_bindings b on b.unit_id = s.id and b.status <> 'ended'
          cross join lateral (
            select kind, role, quality, status from materials
            where chat_id = b.chat_id and sent_at >= ${from} and sent_at < ${to} offset 0) m`,
    ),
    urgesDone(db, units, localDay(from, tz), localDay(to, tz)),
  ]);
  const urged = new Map(urges.map((u) => [u.unitId, u.unitName]));
  return {
    activity: {
      itemsFiled: Number(filed?.items ?? 0),
      materialsFiled: Number(filed?.materials ?? 0),
      compressed: Number(quality?.compressed ?? 0),
      undescribed: Number(filed?.undescribed ?? 0),
      needsReupload: Number(quality?.needs_reupload ?? 0),
      failed: Number(quality?.failed ?? 0),
      tooLarge: Number(quality?.too_large ?? 0),
      urges: urges.length,
      urgedUnits: urged.size,
    },
    urgedNames: [...urged.values()],
  };
}
