import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { UnitCounts } from './digest-figures.js';

/**
 * Records units' subtree completeness for an ISO week — the figures a digest showed, so next week's
 * "change" compares with exactly what was true then. Once per unit and week: a second call keeps
 * the first figures. Returns how many rows were written.
 */
export async function saveSnapshots(
  db: Db,
  week: string,
  rows: ({ unitId: number } & UnitCounts)[],
  now: Date,
): Promise<number> {
  let written = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const batch = rows.slice(i, i + 1000);
    const [r] = await queryRows<{ n: number }>(
      db,
      sql`with ins as (
            insert into completeness_snapshots (unit_id, week, total, done, overdue, taken_at)
            select x.unit_id, ${week}, x.total, x.done, x.overdue, ${now}
            from jsonb_to_recordset(${JSON.stringify(batch.map((b) => ({ unit_id: b.unitId, total: b.total, done: b.done, overdue: b.overdue })))}::jsonb)
              as x(unit_id bigint, total int, done int, overdue int)
            on conflict (unit_id, week) do nothing
            returning 1)
          select count(*)::int as n from ins`,
    );
    written += Number(r?.n ?? 0);
  }
  return written;
}

/** The snapshot of the given units for a week (units without one are absent). */
export async function snapshotsOf(db: Db, week: string, unitIds: number[]): Promise<Map<number, UnitCounts>> {
  if (unitIds.length === 0) return new Map();
  const rows = await queryRows<{ unit_id: number; total: number; done: number; overdue: number }>(
    db,
    sql`select unit_id::int as unit_id, total, done, overdue from completeness_snapshots
        where week = ${week} and unit_id = any(${`{${unitIds.map(Number).join(',')}}`}::bigint[])`,
  );
  return new Map(
    rows.map((r) => [
      Number(r.unit_id),
      { total: Number(r.total), done: Number(r.done), overdue: Number(r.overdue) },
    ]),
  );
}

/**
 * The latest snapshot week before `week` of the unit `scopeId` (the last digest that showed it), with
 * that week's snapshot of the given units; undefined when the unit was never in a digest.
 */
export async function snapshotsBefore(
  db: Db,
  week: string,
  scopeId: number,
  unitIds: number[],
): Promise<{ week: string; counts: Map<number, UnitCounts> } | undefined> {
  const [last] = await queryRows<{ week: string }>(
    db,
    sql`select max(week) as week from completeness_snapshots where unit_id = ${scopeId} and week < ${week}`,
  );
  if (!last?.week) return undefined;
  return { week: last.week, counts: await snapshotsOf(db, last.week, unitIds) };
}

/**
 * Per unit, the latest ISO week from `since` to before `week` whose digest of it reached someone (a
 * send `sent`): where the next digest's period begins. Units without one are absent.
 */
export async function lastSentDigestWeeks(
  db: Db,
  since: string,
  week: string,
  unitIds: number[],
): Promise<Map<number, string>> {
  if (unitIds.length === 0) return new Map();
  const rows = await queryRows<{ unit_id: number; week: string }>(
    db,
    sql`select unit_id::int as unit_id, max(period) as week from scheduled_sends
        where period >= ${since} and period < ${week} and kind = 'digest' and status = 'sent'
          and unit_id = any(${`{${unitIds.map(Number).join(',')}}`}::bigint[])
        group by unit_id`,
  );
  return new Map(rows.map((r) => [Number(r.unit_id), r.week]));
}
