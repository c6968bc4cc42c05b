import type { Db } from '../db/client.js';
import { boundChatsSentFrom, unitOfChat } from '../db/repos/units-chat-bindings.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import { isChatMember } from './is-chat-member.js';
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

/**
 * The units whose work groups a person with no role is in: the bound groups they sent materials to and
 * are still a member of (Lark's member list). Their group answers them 进度 and 缺什么; so does the direct
 * chat with the bot, which otherwise told them 「没有找到您负责的单位」 and then refused the unit it named.
 */
export async function unitsOfMemberGroups(
  deps: { db: Db; gateway: ChatGateway },
  openId: string,
): Promise<UnitRow[]> {
  const units = new Map<number, UnitRow>();
  for (const chatId of await boundChatsSentFrom(deps.db, openId)) {
    const unit = await unitOfChat(deps.db, chatId);
    if (!unit || units.has(unit.id)) continue;
    if (await isChatMember(deps.gateway, chatId, openId).catch(() => false)) units.set(unit.id, unit);
  }
  return [...units.values()];
}
