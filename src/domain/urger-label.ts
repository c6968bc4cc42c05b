import { ROLE_LABEL, type UnitRole } from './units-people.js';

/** Who may press 督办, in the order the 督办 names them by (a leader first). */
const RANK: readonly UnitRole[] = ['leader', 'archivist', 'admin'];

/**
 * How a 督办 names who pressed it: 「城关镇领导 赵书记」 — the role they press it by (held on the unit
 * urged or above: a leader before an archivist before an admin, the nearest unit first) and their
 * name; without a name, the role alone (「城关镇领导」); without such a role, the name alone.
 */
export function urgerLabel(
  roles: readonly { role: UnitRole; unitName: string; depth: number }[],
  name: string | undefined,
): string {
  const by = roles
    .filter((r) => RANK.includes(r.role))
    .sort((a, b) => RANK.indexOf(a.role) - RANK.indexOf(b.role) || b.depth - a.depth)[0];
  const role = by ? `${by.unitName}${ROLE_LABEL[by.role]}` : '';
  const who = name?.trim() ?? '';
  return [role, who].filter(Boolean).join(' ') || '上级';
}
