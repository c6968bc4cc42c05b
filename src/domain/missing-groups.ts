import { plainNames, type UnitNames } from './pick-unit.js';

/**
 * 缺什么 under a township or a county, as a leader reads it: the tasks still missing materials grouped
 * by the unit they belong to, a county's villages under their township (「城关镇 · 城关村」), the unit's own
 * tasks as 「城关镇本级」. A unit named
 * alone is called as `names` calls it (城关镇东村 in a township's 缺什么 when 河口镇 has a 东村 too). Groups keep the list's order (the most urgent first): a township comes where its
 * most urgent task comes, a village where its own does. Each group shows its first few, the whole answer a
 * phone's length; what is left out is counted for the pointer to the rest.
 */

export interface MissingEntry {
  unitId: number;
  unitName: string;
  /** The unit's parent's name (a village's township). */
  parentName: string | null;
  /** '/1/7/42/' */
  unitPath: string;
}

export interface MissingGroup<T> {
  heading: string;
  items: T[];
  /** Some of the group's tasks in the list were left out (the group was cut). */
  cut: boolean;
  /** The root's child it is under (a township's village, a county's township); undefined for the root's own. */
  child?: string;
}

/** How many of one unit's tasks are shown, and how many in all. */
export const PER_UNIT_SHOWN = 3;
export const MISSING_SHOWN = 15;

const ids = (path: string) => path.split('/').filter(Boolean);

export function missingGroups<T extends MissingEntry>(
  items: readonly T[],
  root: { id: number; name: string; path: string },
  limits = { perUnit: PER_UNIT_SHOWN, total: MISSING_SHOWN },
  names: UnitNames = plainNames,
): { groups: MissingGroup<T>[]; shown: number } {
  const depth = ids(root.path).length;
  // Township (the root's child the unit is in, or the root itself) → unit → its tasks, in first-seen order.
  const tree = new Map<string, Map<number, T[]>>();
  for (const m of items) {
    const top = ids(m.unitPath)[depth] ?? 'root';
    const units = tree.get(top) ?? new Map<number, T[]>();
    tree.set(top, units);
    units.set(m.unitId, [...(units.get(m.unitId) ?? []), m]);
  }
  const groups: MissingGroup<T>[] = [];
  let shown = 0;
  for (const units of tree.values())
    for (const [unitId, all] of units) {
      if (shown >= limits.total) break;
      const first = all[0]!;
      const below = ids(first.unitPath).length - depth;
      const called = names({ id: unitId, name: first.unitName });
      const heading =
        unitId === root.id
          ? `${names(root)}本级`
          : below >= 2 && first.parentName
            ? `${first.parentName} · ${first.unitName}`
            : called;
      const take = all.slice(0, Math.min(limits.perUnit, limits.total - shown));
      shown += take.length;
      const child = below >= 2 ? (first.parentName ?? undefined) : below === 1 ? called : undefined;
      groups.push({ heading, items: take, cut: take.length < all.length, ...(child ? { child } : {}) });
    }
  return { groups, shown };
}
