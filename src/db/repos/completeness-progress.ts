import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { percentDone } from '../../domain/checklist-task-state.js';
import { perTaskFiled, subtreeUnitIds } from './completeness.js';
import { getUnitById, listChildUnits, listSubtreeUnits, pathIds, type UnitRow } from './units.js';

export interface ProgressCounts {
  total: number;
  complete: number;
  partly: number;
  open: number;
  waived: number;
  /** Not complete/waived and past due at `now`. */
  overdue: number;
  /** (complete + waived) / total in %, one decimal; null without tasks. */
  percent: number | null;
}

export interface UnitSummary {
  id: number;
  code: string;
  name: string;
  kind: string;
  fullName: string;
}

/** A retired unit's 撤并: the day, and the unit it merged into (null when simply abolished). */
export interface Retirement {
  at: Date;
  into: { id: number; name: string } | null;
}

export interface UnitProgress {
  unit: UnitSummary;
  /** The unit's own 撤并, when it is retired; null while active. */
  retirement: Retirement | null;
  /** The unit's whole subtree, less the retired units below it (撤并: no longer counted). */
  counts: ProgressCounts;
  /** Each active direct child with its own subtree rolled up (less the retired units below it). */
  children: { unit: UnitSummary; counts: ProgressCounts }[];
  /** The retired direct children (撤并), by code: named apart, not ranked or counted. */
  retired: ({ unit: UnitSummary } & Retirement)[];
}

type Raw = Omit<ProgressCounts, 'percent' | 'open'>;
const zero = (): Raw => ({ total: 0, complete: 0, partly: 0, waived: 0, overdue: 0 });

/**
 * Progress of a unit and of each active child, over each one's subtree less its retired units (撤并:
 * not chased, so not counted; the digest's figures leave them out the same way; the retired children
 * are listed apart), optionally limited to one campaign:
 * read from unit_progress_counts (kept by triggers; migration 0014), a few rows per unit (one per
 * campaign and due time) however many tasks lie below. Overdue at `now` is total − waived − complete
 * over the rows due before it. Equal to unitProgressDirect (a test compares them).
 */
export async function unitProgress(
  db: Db,
  unitId: number,
  now: Date,
  opts: { campaignId?: number } = {},
): Promise<UnitProgress | undefined> {
  const root = await getUnitById(db, unitId);
  if (!root) return undefined;
  const all = await listChildUnits(db, root.id);
  const children = all.filter((c) => c.status === 'active');
  const retiredBelow = await retiredUnitsBelow(db, root);
  const ids = [root.id, ...children.map((c) => c.id)];
  const campaign = opts.campaignId === undefined ? sql`` : sql`and c.campaign_id = ${opts.campaignId}`;
  const overdue = sql`coalesce(sum(c.total - c.waived - c.complete) filter (where c.due_at < ${now.toISOString()}::timestamptz), 0)::int`;
  const sums = sql`sum(c.total)::int as total, sum(c.waived)::int as waived, sum(c.complete)::int as complete,
    sum(c.partly)::int as partly, ${overdue} as overdue`;
  const [rows, retiredRows] = await Promise.all([
    queryRows<{ unit_id: number } & Raw>(
      db,
      sql`select c.unit_id::int as unit_id, ${sums}
          from unit_progress_rows c
          where c.subtree and c.unit_id = any(${`{${ids.join(',')}}`}::bigint[]) ${campaign}
          group by c.unit_id`,
    ),
    // Each retired unit's own tasks, taken off every figure above it here (it has no active units below).
    retiredBelow.length === 0
      ? []
      : queryRows<{ unit_id: number } & Raw>(
          db,
          sql`select c.unit_id::int as unit_id, ${sums}
              from unit_progress_rows c
              where not c.subtree and c.unit_id = any(${`{${retiredBelow.map((u) => u.id).join(',')}}`}::bigint[]) ${campaign}
              group by c.unit_id`,
        ),
  ]);
  const byUnit = new Map(rows.map((r) => [Number(r.unit_id), add(zero(), r)]));
  const depth = pathIds(root.path).length;
  const pathOf = new Map(retiredBelow.map((u) => [u.id, u.path]));
  for (const r of retiredRows) {
    const path = pathOf.get(Number(r.unit_id))!;
    for (const id of [root.id, pathIds(path)[depth]]) {
      const into = id === undefined ? undefined : byUnit.get(id);
      if (into) subtract(into, r);
    }
  }
  const counts = (id: number) => finish(byUnit.get(id) ?? zero());
  return {
    unit: summary(root),
    retirement: await retirementOf(db, root),
    counts: counts(root.id),
    children: children
      .sort((a, b) => a.code.localeCompare(b.code))
      .map((c) => ({ unit: summary(c), counts: counts(c.id) })),
    retired: await retiredChildren(db, all),
  };
}

/** The retired units strictly below `root` (撤并), each with its path. */
async function retiredUnitsBelow(db: Db, root: UnitRow): Promise<{ id: number; path: string }[]> {
  const rows = await queryRows<{ id: number; path: string }>(
    db,
    sql`select id::int as id, path from units
        where path like ${`${root.path}%`} and id <> ${root.id} and status = 'retired'`,
  );
  return rows.map((r) => ({ id: Number(r.id), path: r.path }));
}

/** A unit's 撤并 (the day, what it merged into), or null while it is active. */
async function retirementOf(db: Db, u: UnitRow): Promise<Retirement | null> {
  if (u.status !== 'retired') return null;
  const into = u.mergedIntoId === null ? undefined : await getUnitById(db, u.mergedIntoId);
  return { at: u.retiredAt!, into: into ? { id: into.id, name: into.name } : null };
}

/** The retired ones among `children`, by code, each with its 撤并. */
async function retiredChildren(db: Db, children: UnitRow[]): Promise<UnitProgress['retired']> {
  const retired = children.filter((c) => c.status === 'retired').sort((a, b) => a.code.localeCompare(b.code));
  return Promise.all(retired.map(async (c) => ({ unit: summary(c), ...(await retirementOf(db, c))! })));
}

/**
 * unitProgress computed from the tasks and items themselves: one query over the unit's subtree (a
 * prefix range on units.path) grouped by unit, rolled up to children in memory. What the counts must
 * equal; used to check them.
 */
export async function unitProgressDirect(
  db: Db,
  unitId: number,
  now: Date,
  opts: { campaignId?: number } = {},
): Promise<UnitProgress | undefined> {
  const root = await getUnitById(db, unitId);
  if (!root) return undefined;
  const campaign = opts.campaignId === undefined ? sql`true` : sql`t.campaign_id = ${opts.campaignId}`;
  const rows = await queryRows<{ unit_id: number } & Raw>(
    db,
    sql`select p.unit_id::int as unit_id, count(*)::int as total,
          count(*) filter (where p.state = 'waived')::int as waived,
          count(*) filter (where p.state <> 'waived' and p.filed >= p.min_count)::int as complete,
          count(*) filter (where p.state <> 'waived' and p.filed > 0 and p.filed < p.min_count)::int as partly,
          count(*) filter (where p.state <> 'waived' and p.filed < p.min_count
            and p.due_at < ${now.toISOString()}::timestamptz)::int as overdue
        from (${perTaskFiled(subtreeUnitIds(root), campaign)}) p
        group by p.unit_id`,
  );
  const units = await listSubtreeUnits(db, root);
  const depth = pathIds(root.path).length;
  const total = zero();
  const byChild = new Map<number, Raw>();
  const all = units.filter((u) => u.parentId === root.id);
  const children = all.filter((u) => u.status === 'active');
  for (const c of children) byChild.set(c.id, zero());
  const unitById = new Map(units.map((u) => [u.id, u]));
  for (const r of rows) {
    const unit = unitById.get(Number(r.unit_id));
    // A retired unit below the root (撤并) is not counted.
    if (!unit || (unit.id !== root.id && unit.status === 'retired')) continue;
    add(total, r);
    const childId = pathIds(unit.path)[depth];
    const bucket = childId === undefined ? undefined : byChild.get(childId);
    if (bucket) add(bucket, r);
  }
  return {
    unit: summary(root),
    retirement: await retirementOf(db, root),
    counts: finish(total),
    children: children
      .sort((a, b) => a.code.localeCompare(b.code))
      .map((c) => ({ unit: summary(c), counts: finish(byChild.get(c.id)!) })),
    retired: await retiredChildren(db, all),
  };
}

function add(into: Raw, r: Raw): Raw {
  into.total += Number(r.total);
  into.complete += Number(r.complete);
  into.partly += Number(r.partly);
  into.waived += Number(r.waived);
  into.overdue += Number(r.overdue);
  return into;
}

function subtract(from: Raw, r: Raw): Raw {
  from.total -= Number(r.total);
  from.complete -= Number(r.complete);
  from.partly -= Number(r.partly);
  from.waived -= Number(r.waived);
  from.overdue -= Number(r.overdue);
  return from;
}

function finish(c: Raw): ProgressCounts {
  return { ...c, open: c.total - c.complete - c.partly - c.waived, percent: percentDone(c) };
}

function summary(u: UnitRow): UnitSummary {
  return { id: u.id, code: u.code, name: u.name, kind: u.kind, fullName: u.fullName };
}

/**
 * Folds the pending progress deltas into unit_progress_counts (migration 0016); returns how many
 * delta rows moved. Readers see the same figures before and after.
 */
export async function foldProgressDeltas(db: Db): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select progress_counts_fold() as n`);
  return Number(row?.n ?? 0);
}
