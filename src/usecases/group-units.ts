import type { Db } from '../db/client.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { unitsWithDigestChat, type UnitRow } from '../db/repos/units.js';
import { outermostUnits } from '../domain/outermost-units.js';

/**
 * The units a leaders' chat is for: the outermost active units whose `settings.digestChat` it is (a
 * county's and one of its townships' naming the same chat: the county). Such a chat gets their weekly
 * digest and is rightly bound to none: it is not told to bind itself. Empty for any other chat.
 */
export async function leadersChatUnits(db: Db, chatId: string): Promise<UnitRow[]> {
  return outermostUnits(await unitsWithDigestChat(db, chatId));
}

/**
 * The units a group is for: the unit it is bound to, else the units it is the leaders' chat of
 * (leadersChatUnits). None: a group still to be bound.
 */
export async function unitsOfGroup(db: Db, chatId: string): Promise<UnitRow[]> {
  const bound = await unitOfChat(db, chatId);
  return bound ? [bound] : leadersChatUnits(db, chatId);
}

/** 「本群是甲镇的领导群」 (「甲镇、乙镇」 for a chat two units name). */
export const leadersChatOf = (units: readonly { name: string }[]): string =>
  `本群是${units.map((u) => u.name).join('、')}的领导群`;
