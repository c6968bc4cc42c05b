/** The weekly digest's figures for one leader's unit. Pure: rollups, changes and ranking. */
import { addDays, isoWeek } from './working-days.js';
import { villageWord } from './village-word.js';

/** A digest reports at most this many whole weeks (since the last one that reached its unit). */
export const DIGEST_WEEKS_AT_MOST = 4;

export interface Counts {
  total: number;
  /** complete + waived */
  done: number;
  /** Of `done`, those 免交 (the digest's live figures; snapshots have none). */
  waived?: number;
  overdue: number;
}

export interface DigestUnitRow extends Counts {
  id: number;
  name: string;
  /** done / total in %, one decimal; null without tasks. */
  percent: number | null;
  /** Percentage points since the last digest's snapshot (DigestFigures.changeLabel); null when there is none. */
  change: number | null;
}

export interface DigestOverdueItem {
  taskId: number;
  unitName: string;
  code: string;
  title: string;
  householdName: string | null;
  missingText: string;
  dueDay: string;
  overdueDays: number;
  owners: string[];
}

export interface DigestFigures {
  /** The (first) ISO week the activity figures cover ('2026-W19'), named for people in `weekName`. */
  week: string;
  /** 「第19周（5月4日—10日）」, or 「第7—8周（2月9日—22日）」 over more weeks */
  weekName: string;
  /** How many whole weeks the period covers: 1, or more after weeks whose digest never went out. */
  weeks: number;
  /** What the changes compare with: 「较上周」 (last week's snapshot), else 「较上次周报」 (an earlier one). */
  changeLabel: '较上周' | '较上次周报';
  /** Those weeks, Monday 00:00 to the Monday 00:00 after them (local): [from, to). */
  from: Date;
  to: Date;
  scope: DigestUnitRow;
  /** Direct children with their subtrees rolled up, best first. */
  children: DigestUnitRow[];
  best: DigestUnitRow[];
  worst: DigestUnitRow[];
  oldest: DigestOverdueItem[];
  filed: { items: number; materials: number };
  /** The week's quality problems, each list of the unit page's 质量问题 (its figure is their sum). */
  quality: DigestQuality;
  /**
   * 督办 that reached villages' chats in those weeks (village-wide and per task), how many villages,
   * and the names of those villages (what to call them: 村, 社区 or both, `urgedUnitsText`).
   */
  urges: { count: number; units: number; names: string[] };
  deadlines: { day: string; open: number }[];
}

export interface DigestQuality {
  /** Chat-compressed photos posted in the week (under 3 MP). */
  compressed: number;
  /** Photo groups filed in the week without 事由. */
  undescribed: number;
  needsReupload: number;
  failed: number;
  tooLarge: number;
}

/** The digest's 质量问题 figure: every problem the page it opens lists (the three lists' totals). */
export const qualityTotal = (q: DigestQuality): number =>
  q.compressed + q.undescribed + q.needsReupload + q.failed + q.tooLarge;

/**
 * What a digest sent on `day` compares with, as it names it: 「较上周」 when its baseline (the latest
 * snapshot before its week, `beforeWeek`: the last digest's figures) is the week before's, or there is
 * none; 「较上次周报」 when it is older (weeks whose digest never went out). The unit page says the same.
 */
export const changeLabelOf = (beforeWeek: string | undefined, day: string): DigestFigures['changeLabel'] =>
  !beforeWeek || beforeWeek === isoWeek(addDays(day, -7)) ? '较上周' : '较上次周报';

/** 「上周督办 3 次（2 个村）」 (「近 2 周…」 over more weeks): 督办 that reached the villages' chats. */
export const urgesText = (f: Pick<DigestFigures, 'weeks' | 'urges'>): string =>
  `${f.weeks === 1 ? '上周' : `近 ${f.weeks} 周`}督办 ${f.urges.count} 次（${urgedUnitsText(f.urges.units, f.urges.names)}）`;

/**
 * 「2 个村」, 「1 个社区」, or 「2 个村或社区」 when both were urged: a 社区 (居委会) is no 村, and the
 * digest's 督办 figure names the units it counts as their chats' cards do (domain/village-word.ts).
 */
export const urgedUnitsText = (units: number, names: readonly string[]): string => {
  const word = villageWord(names);
  return `${units} 个${word === '村（社区）' ? '村或社区' : word}`;
};

export const percentOf = (c: Counts): number | null =>
  c.total === 0 ? null : Math.round((c.done / c.total) * 1000) / 10;

export function unitRow(
  unit: { id: number; name: string },
  now: Counts,
  lastWeek: Counts | undefined,
): DigestUnitRow {
  const percent = percentOf(now);
  const before = lastWeek ? percentOf(lastWeek) : null;
  const change = percent !== null && before !== null ? Math.round((percent - before) * 10) / 10 : null;
  return { id: unit.id, name: unit.name, ...now, percent, change };
}

export type UnitCounts = Counts;

/** A change in percentage points as the digest writes it: 「▲2.5」, 「▼1.0」, 「持平」, 「—」 (no snapshot). */
export const changeText = (c: number | null): string =>
  c === null ? '—' : c > 0 ? `▲${c.toFixed(1)}` : c < 0 ? `▼${Math.abs(c).toFixed(1)}` : '持平';

/** What a subtree's digest is computed from, before ranking and naming; composable upwards. */
export interface ScopeRaw {
  /** Counts of each unit with tasks (its own tasks only), with its path. */
  perUnit: Map<number, { path: string } & Counts>;
  /** The oldest overdue tasks still missing materials (at most the configured number). */
  oldest: { taskId: number; unitId: number; dueMs: number; missing: number }[];
  /** The next (up to 3) due days of open tasks, with how many of them are still incomplete. */
  days: { day: string; open: number }[];
  activity: {
    itemsFiled: number;
    materialsFiled: number;
    compressed: number;
    undescribed: number;
    needsReupload: number;
    failed: number;
    tooLarge: number;
    /** 督办 that reached a chat in the period (db/repos/urges-done.ts), and the units they urged. */
    urges: number;
    urgedUnits: number;
  };
  /** The names of the units urged in the period (one per unit; what `urgedUnitsText` calls them). */
  urgedNames: string[];
}

/**
 * A unit's figures from its own (its tasks, chats, filings) and its children's: counts and activity
 * add up; the oldest are the oldest of the children's oldest; the next due days are the first of
 * theirs (a day among the parent's first three is among the first three of every child that has
 * it, so its count is complete).
 */
export function composeRaw(own: ScopeRaw, children: ScopeRaw[], oldestN: number): ScopeRaw {
  const all = [own, ...children];
  const perUnit = new Map<number, { path: string } & Counts>();
  for (const r of all) for (const [id, c] of r.perUnit) perUnit.set(id, c);
  const days = new Map<string, number>();
  for (const r of all) for (const d of r.days) days.set(d.day, (days.get(d.day) ?? 0) + d.open);
  const sum = (k: keyof ScopeRaw['activity']) => all.reduce((n, r) => n + r.activity[k], 0);
  return {
    perUnit,
    oldest: all
      .flatMap((r) => r.oldest)
      .sort((a, b) => a.dueMs - b.dueMs || a.taskId - b.taskId)
      .slice(0, oldestN),
    days: [...days]
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, 3)
      .map(([day, open]) => ({ day, open })),
    activity: {
      itemsFiled: sum('itemsFiled'),
      materialsFiled: sum('materialsFiled'),
      compressed: sum('compressed'),
      undescribed: sum('undescribed'),
      needsReupload: sum('needsReupload'),
      failed: sum('failed'),
      tooLarge: sum('tooLarge'),
      urges: sum('urges'),
      // A unit's 督办 are read with its own figures only: the subtrees' villages are apart.
      urgedUnits: sum('urgedUnits'),
    },
    urgedNames: all.flatMap((r) => r.urgedNames),
  };
}

/**
 * Adds per-unit counts up to the root and to each direct child (by materialized path: the id
 * right after the root's in a unit's path names its child).
 */
export function rollUp(
  root: { path: string },
  perUnit: Map<number, { path: string } & Counts>,
): { total: Counts; byChild: Map<number, Counts> } {
  const zero = (): Counts => ({ total: 0, done: 0, overdue: 0 });
  const depth = root.path.split('/').filter(Boolean).length;
  const total = zero();
  const byChild = new Map<number, Counts>();
  for (const c of perUnit.values()) {
    add(total, c);
    const childId = Number(c.path.split('/').filter(Boolean)[depth]);
    if (!Number.isFinite(childId)) continue;
    let bucket = byChild.get(childId);
    if (!bucket) byChild.set(childId, (bucket = zero()));
    add(bucket, c);
  }
  return { total, byChild };
}

function add(into: Counts, c: Counts): void {
  into.total += c.total;
  into.done += c.done;
  into.waived = (into.waived ?? 0) + (c.waived ?? 0);
  into.overdue += c.overdue;
}

/** What a unit is ranked by. */
export interface Rankable {
  name: string;
  percent: number | null;
  overdue: number;
}

/**
 * The one ranking of units, the digest's and the unit page's: best first — higher %, then fewer
 * overdue, then name; units without tasks last. (Early in a campaign many villages sit at 0.0 %: the
 * card's 最差 must be the page's last, not its first.)
 */
export const byRank = (a: Rankable, b: Rankable): number =>
  (b.percent ?? -1) - (a.percent ?? -1) || a.overdue - b.overdue || a.name.localeCompare(b.name, 'zh-CN');

/** Best first (byRank). */
export function rank(rows: DigestUnitRow[]): DigestUnitRow[] {
  return [...rows].sort(byRank);
}

/**
 * The ranking turned round for chasing (the digest's table and buttons, a township's 任务): the worst
 * unit with tasks first, units without tasks (ranked last, nothing to chase) at the end.
 */
export function worstFirst<T extends Rankable>(rows: readonly T[]): T[] {
  const ranked = [...rows].sort(byRank);
  const withTasks = ranked.filter((r) => r.percent !== null);
  return [...withTasks.reverse(), ...ranked.filter((r) => r.percent === null)];
}

/** The best and worst `n` of a ranking (no unit in both when there are few). */
export function bestAndWorst(
  ranked: DigestUnitRow[],
  n: number,
): { best: DigestUnitRow[]; worst: DigestUnitRow[] } {
  const withTasks = ranked.filter((r) => r.percent !== null);
  const k = Math.min(n, Math.floor(withTasks.length / 2));
  return { best: withTasks.slice(0, k), worst: withTasks.slice(withTasks.length - k).reverse() };
}

/**
 * How a list names its units: by name, and 「城关村（城关镇）」 (its parent's name) only for a name that
 * two different units of the list share — a county's list can hold two 城关村 of different townships.
 */
export function namesApart(
  rows: { unitId: number; unitName: string; parentName: string | null }[],
): (r: { unitId: number; unitName: string; parentName: string | null }) => string {
  const ids = new Map<string, Set<number>>();
  for (const r of rows) ids.set(r.unitName, (ids.get(r.unitName) ?? new Set()).add(r.unitId));
  return (r) =>
    (ids.get(r.unitName)?.size ?? 0) > 1 && r.parentName ? `${r.unitName}（${r.parentName}）` : r.unitName;
}
