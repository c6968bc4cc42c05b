import type { Db } from '../db/client.js';
import type { Retirement, UnitProgress } from '../db/repos/completeness-progress.js';
import { unitsOfPerson } from '../db/repos/person-units.js';
import { listUnits, unitsNamed, type UnitRow } from '../db/repos/units.js';
import type { IncomingMessage } from '../domain/incoming.js';
import {
  calledApart,
  pickUnit,
  whichUnitText,
  type PickedUnit,
  type UnitCalled,
  type UnitNames,
} from '../domain/pick-unit.js';
import { unitsOfGroup } from './group-units.js';

/** Words naming units, read the way every command that names a unit reads them. */
type UnitNaming = (words: string) => PickedUnit<UnitRow>;

/**
 * How a message names a unit (pickUnit): among the chat's own units first (its bound unit and those
 * below it; a leaders' chat's units and below), then among the units the sender has a role on (and
 * below), then anywhere in the county; active before retired; two named equally: `several`.
 */
export async function unitNaming(db: Db, msg: IncomingMessage): Promise<UnitNaming> {
  const units = await listUnits(db);
  const chat = msg.chatType === 'p2p' ? [] : await unitsOfGroup(db, msg.chatId);
  const sender = msg.senderOpenId ? await unitsOfPerson(db, msg.senderOpenId) : [];
  const under = (roots: readonly UnitRow[]) => (u: UnitRow) => roots.some((r) => u.path.startsWith(r.path));
  return (words) => pickUnit(words, units, [under(chat), under(sender)]);
}

/**
 * The question when `said` names several units, its example `text` (the command as sent) with
 * `said` written apart: 「有两个东村：城关镇东村、河口镇东村。请写全，如「@归档助手 导出 城关镇东村 2026」。」
 */
export const whichUnit = (said: string, units: readonly UnitRow[], text: string): string =>
  whichUnitText(said, units, (asked) => text.replace(said, asked));

/**
 * The unit as an answer names it: its name, or, when another active unit is called the same (two 东村),
 * written apart as the question writes it (城关镇东村): `shown` in the text, `asked` in a command to send.
 */
export async function unitCalled(db: Db, unit: UnitRow): Promise<UnitCalled> {
  return calledApart(await unitsNamed(db, [unit.name]))(unit);
}

/**
 * unitCalled for every unit an answer lists (a township's villages on 进度, 缺什么's groups), read
 * once: a unit another active unit shares its name with is written apart (城关镇东村), any other keeps
 * its name, as it does in a county without two alike.
 */
export async function unitsCalled(
  db: Db,
  units: readonly { id: number; name: string }[],
): Promise<UnitNames> {
  const called = calledApart(
    await unitsNamed(
      db,
      units.map((u) => u.name),
    ),
  );
  return (u) => called(u).shown;
}

/**
 * A unit's progress with every unit it names (the unit, its children, those retired and what they
 * merged into) called as answers call them (unitsCalled, one read); `names` for the rest of the answer.
 */
export async function progressCalled(
  db: Db,
  p: UnitProgress,
  more: readonly { id: number; name: string }[] = [],
): Promise<{ progress: UnitProgress; names: UnitNames }> {
  const into = p.retired.flatMap((r) => (r.into ? [r.into] : []));
  const names = await unitsCalled(db, [
    p.unit,
    ...p.children.map((c) => c.unit),
    ...p.retired.map((r) => r.unit),
    ...into,
    ...(p.retirement?.into ? [p.retirement.into] : []),
    ...more,
  ]);
  const unit = <U extends { id: number; name: string }>(u: U): U => ({ ...u, name: names(u) });
  const retirement = (r: Retirement): Retirement => ({ ...r, into: r.into && unit(r.into) });
  return {
    progress: {
      ...p,
      unit: unit(p.unit),
      retirement: p.retirement && retirement(p.retirement),
      children: p.children.map((c) => ({ ...c, unit: unit(c.unit) })),
      retired: p.retired.map((r) => ({ ...retirement(r), unit: unit(r.unit) })),
    },
    names,
  };
}
