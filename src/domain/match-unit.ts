/** A unit as the binding dialog knows it. */
export interface UnitCandidate {
  id: number;
  code: string;
  name: string;
  kind: string;
  fullName: string;
}

export interface UnitMatch<U extends UnitCandidate = UnitCandidate> {
  unit: U;
  score: number;
  /** code | name | name_prefix | name_contains | full_name | fragment */
  match: string;
}

const SUFFIXES = [
  '村民委员会',
  '村委会',
  '社区居委会',
  '居委会',
  '社区',
  '村',
  '镇',
  '乡',
  '街道',
  '县',
  '区',
];

/**
 * Ranks units for a typed query (`绑定 城关村`, `绑定 510101001`): exact code, exact name, name with the
 * names above it (城关镇东村), name without its suffix (城关 ↔ 城关村), name prefix, name contains, full
 * path contains. Villages win
 * ties (a chat is usually a village's). At most `limit` candidates, best first.
 */
export function matchUnit<U extends UnitCandidate>(
  query: string,
  units: readonly U[],
  limit = 5,
): UnitMatch<U>[] {
  const q = clean(query);
  if (!q) return [];
  const qBase = stripSuffix(q);
  const out: UnitMatch<U>[] = [];
  for (const unit of units) {
    const name = clean(unit.name);
    const base = stripSuffix(name);
    let hit: [number, string] | undefined;
    if (clean(unit.code) === q) hit = [100, 'code'];
    else if (name === q) hit = [90, 'name'];
    else if (base === qBase && qBase.length >= 2) hit = [80, 'name'];
    else if (name.startsWith(q) || (qBase.length >= 2 && name.startsWith(qBase))) hit = [60, 'name_prefix'];
    else if (name.includes(q) || (qBase.length >= 2 && name.includes(qBase))) hit = [50, 'name_contains'];
    else if (withAncestors(q, name, unit.fullName)) hit = [85, 'full_name'];
    else if (pathMatches(query, unit)) hit = [70, 'full_name'];
    else if (q.length >= 2 && clean(unit.fullName).includes(q)) hit = [40, 'full_name'];
    if (!hit) continue;
    const kindBonus = unit.kind === 'village' ? 2 : unit.kind === 'township' ? 1 : 0;
    out.push({ unit, score: hit[0] + kindBonus, match: hit[1] });
  }
  return out
    .sort(
      (a, b) =>
        b.score - a.score ||
        a.unit.name.length - b.unit.name.length ||
        a.unit.code.localeCompare(b.unit.code),
    )
    .slice(0, limit);
}

/**
 * `城关镇东村` / `城关东村` / `LR县城关镇东村`: the unit's whole name after the names of the units just above
 * it (each whole or without its suffix): how the bot writes a village apart from another of its name.
 */
function withAncestors(q: string, name: string, fullName: string): boolean {
  if (q.length <= name.length || !q.endsWith(name)) return false;
  const before = q.slice(0, -name.length);
  const above = fullName.split('/').slice(0, -1).map(clean);
  for (let k = 1; k <= above.length; k++) {
    const tail = above.slice(-k);
    if (tail.join('') === before || tail.map(stripSuffix).join('') === before) return true;
  }
  return false;
}

/** `城关镇 城关村` / `城关镇/城关村`: every part appears, in order, and the last one in the unit's name. */
function pathMatches(query: string, unit: UnitCandidate): boolean {
  const parts = query
    .normalize('NFKC')
    .split(/[\s/／>]+/)
    .map((p) => stripSuffix(clean(p)))
    .filter(Boolean);
  if (parts.length < 2 || !clean(unit.name).includes(parts[parts.length - 1]!)) return false;
  const full = clean(unit.fullName);
  let from = 0;
  for (const part of parts) {
    const at = full.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

function clean(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\s/／>·-]+/g, '')
    .toLowerCase();
}

function stripSuffix(s: string): string {
  for (const suffix of SUFFIXES)
    if (s.endsWith(suffix) && s.length > suffix.length + 1) return s.slice(0, -suffix.length);
  return s;
}

/**
 * How much of a group's name `name` covers: its length when the chat name holds the whole name, the
 * base's when it holds the name without its suffix (城关村 → 城关) not followed by another unit suffix
 * (「城关镇工作群」 does not name 城关村); 0 when it is not there.
 */
function namedLength(chat: string, name: string): number {
  const whole = clean(name);
  if (whole.length >= 2 && chat.includes(whole)) return whole.length;
  const base = stripSuffix(whole);
  if (base.length < 2 || base === whole) return 0;
  for (let at = chat.indexOf(base); at >= 0; at = chat.indexOf(base, at + 1)) {
    const after = chat.slice(at + base.length);
    if (!SUFFIXES.some((s) => after.startsWith(s))) return base.length;
  }
  return 0;
}

/**
 * The units a group's name points at (「城关村工作群」, 「城关镇城关村档案群」), for the one-tap 绑定 offered
 * when the bot joins: the unit named longest, its township or county named too counting for it
 * (two 城关村 of different townships: the one whose township is in the chat name). Only the best
 * equally named units; none when more than `limit` are (the chat name says too little).
 */
export function unitsNamedIn<U extends UnitCandidate>(chatName: string, units: readonly U[], limit = 3): U[] {
  const chat = clean(chatName);
  if (chat.length < 2) return [];
  const scored: { unit: U; score: number }[] = [];
  for (const unit of units) {
    const own = namedLength(chat, unit.name);
    if (own === 0) continue;
    const ancestors = unit.fullName.split('/').slice(0, -1);
    const above = ancestors.reduce((n, a) => n + namedLength(chat, a), 0);
    scored.push({ unit, score: 100 * own + above });
  }
  const best = Math.max(0, ...scored.map((s) => s.score));
  const top = scored.filter((s) => s.score === best).map((s) => s.unit);
  return top.length > limit ? [] : top.sort((a, b) => a.code.localeCompare(b.code));
}
