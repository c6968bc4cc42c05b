import type { Db } from '../db/client.js';
import { unitsOfPerson } from '../db/repos/person-units.js';
import { listUnits, type UnitRow } from '../db/repos/units.js';
import type { IncomingMessage } from '../domain/incoming.js';
import { pickUnit, unitsApart, whichUnitText, type PickedUnit } from '../domain/pick-unit.js';
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
export async function unitCalled(db: Db, unit: UnitRow): Promise<{ shown: string; asked: string }> {
  const alike = (await listUnits(db)).filter(
    (u) => u.name === unit.name && u.id !== unit.id && u.status === 'active',
  );
  return alike.length === 0 ? { shown: unit.name, asked: unit.name } : unitsApart([unit, ...alike])[0]!;
}
