import { matchUnit, type UnitCandidate } from './match-unit.js';

/** A unit a chat command may name. */
interface NameableUnit extends UnitCandidate {
  path: string;
  status: string;
}

/** The unit a command's words name: one, several named as well as each other (the bot asks), or none. */
export type PickedUnit<U> = { kind: 'one'; unit: U } | { kind: 'several'; units: U[] } | { kind: 'none' };

/** A code, a whole name, a name with the names above it, a name without its suffix (matchUnit's scores). */
const NAMED = 80;
/** A name beginning with, or holding, the words: still a unit, when nothing is named better. */
const HELD = 50;

/**
 * The unit `words` name (matchUnit's scoring): the best named, a unit named by its code, name or name
 * without suffix before any unit merely holding the words. Among those, the nearest wins: each of
 * `nearer` in turn (the chat's own units, then those the sender has a role over) keeps only its units
 * when it has any; then active units over retired ones (撤并). Two still named equally well (two 东村 of
 * two townships, asked in the county's chat): `several`, never a guess.
 */
export function pickUnit<U extends NameableUnit>(
  words: string,
  units: readonly U[],
  nearer: readonly ((u: U) => boolean)[],
): PickedUnit<U> {
  const matches = matchUnit(words, units, units.length);
  for (const [from, below] of [
    [NAMED, Infinity],
    [HELD, NAMED],
  ] as const) {
    let found = matches.filter((m) => m.score >= from && m.score < below);
    for (const keep of [...nearer, (u: U) => u.status === 'active']) {
      const kept = found.filter((m) => keep(m.unit));
      if (kept.length > 0) found = kept;
    }
    if (found.length === 0) continue;
    const best = found.filter((m) => m.score === found[0]!.score).map((m) => m.unit);
    return best.length === 1 ? { kind: 'one', unit: best[0]! } : { kind: 'several', units: best };
  }
  return { kind: 'none' };
}

/**
 * How the bot writes each unit apart from the others: its name after the unit above it (城关镇东村, 河口镇东村:
 * what pickUnit reads back as that one), or, when two would still read the same, with its code.
 * `asked`: what to write in the command, `shown`: what to show.
 */
export function unitsApart(units: readonly NameableUnit[]): { shown: string; asked: string }[] {
  const label = (u: NameableUnit) => u.fullName.split('/').filter(Boolean).slice(-2).join('') || u.name;
  const labels = units.map(label);
  return units.map((u, i) =>
    labels.filter((l) => l === labels[i]).length > 1
      ? { shown: `${labels[i]}（${u.code}）`, asked: u.code }
      : { shown: labels[i]!, asked: labels[i]! },
  );
}

/** How an answer names a unit: `shown` in its text, `asked` in a command it says to send. */
export interface UnitCalled {
  shown: string;
  asked: string;
}

/** How an answer listing units names each: calledApart's `shown` (a card's default: the plain name). */
export type UnitNames = (u: { id: number; name: string }) => string;

/** Each unit by its own name (a card drawn without unitsCalled). */
export const plainNames: UnitNames = (u) => u.name;

/**
 * How answers name units, given every unit called like them (`named`, any status): a unit's plain name,
 * or, when another active unit has that name too (two 东村), written apart from them (unitsApart:
 * 城关镇东村). A unit not among `named` keeps its name.
 */
export function calledApart(
  named: readonly (NameableUnit & { id: number })[],
): (u: { id: number; name: string }) => UnitCalled {
  const byId = new Map(named.map((u) => [u.id, u]));
  const active = new Map<string, NameableUnit[]>();
  for (const u of named) if (u.status === 'active') active.set(u.name, [...(active.get(u.name) ?? []), u]);
  const memo = new Map<number, UnitCalled>();
  return (u) => {
    const self = byId.get(u.id);
    const alike = (active.get(u.name) ?? []).filter((x) => x !== self);
    if (!self || alike.length === 0) return { shown: u.name, asked: u.name };
    let called = memo.get(u.id);
    if (!called) memo.set(u.id, (called = unitsApart([self, ...alike])[0]!));
    return called;
  };
}

const COUNT = ['', '一', '两', '三', '四', '五', '六', '七', '八', '九'];

/**
 * The question for words naming several units: 「有两个东村：城关镇东村、河口镇东村。请写全，如「确认归档
 * 城关镇东村 2026」。」. `example`: the command as sent, with the first unit written apart.
 */
export function whichUnitText(
  said: string,
  units: readonly NameableUnit[],
  example: (asked: string) => string,
): string {
  const apart = unitsApart(units);
  const shown = apart.slice(0, 8).map((a) => a.shown);
  const list = `${shown.join('、')}${apart.length > shown.length ? '等' : ''}`;
  const sameName = units.every((u) => u.name === units[0]!.name);
  const count = COUNT[units.length] ?? String(units.length);
  const head = sameName
    ? `有${count}个${units[0]!.name}：${list}`
    : `「${said}」可以指${count}个单位：${list}`;
  return `${head}。请写全，如「${example(apart[0]!.asked)}」。`;
}
