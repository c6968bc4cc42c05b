import { chatAddedBy, chatTypeOf } from '../db/repos/chats.js';
import { hasUnitRole } from '../db/repos/people.js';
import type { BotDeps } from './deps.js';

/**
 * Who may bind this chat to the chosen unit (the 绑定 card's button; the command itself is open to
 * admins and to whoever added the bot, its declared audience): an admin of that unit or above it; or
 * the adder/owner if they also hold a role there (officer, archivist, leader) — a stranger's group can
 * never be bound to a village and then file for it.
 */
export async function canBindChat(
  deps: Pick<BotDeps, 'db' | 'gateway'>,
  chatId: string,
  openId: string,
  unit: { path: string },
): Promise<boolean> {
  if (await hasUnitRole(deps.db, openId, unit, ['admin'])) return true;
  if (!(await addedOrOwnsChat(deps, chatId, openId))) return false;
  return hasUnitRole(deps.db, openId, unit, ['officer', 'archivist', 'leader']);
}

/** Did the person add the bot to the chat, or do they own it? */
export async function addedOrOwnsChat(
  deps: Pick<BotDeps, 'db' | 'gateway'>,
  chatId: string,
  openId: string,
): Promise<boolean> {
  return (
    (await chatAddedBy(deps.db, chatId)) === openId ||
    (await deps.gateway.getChat(chatId).catch(() => undefined))?.ownerId === openId
  );
}

/** What 绑定 answers in a direct chat with the bot: only a group is bound to a unit. */
export const BIND_IN_GROUP = '请在要绑定的群里 @我 发送「绑定 村名」。';

/**
 * Is this a direct chat with the bot? As the bot recorded it, else as Lark says (a chat it has not
 * recorded yet); a chat Lark will not describe is taken as a group.
 */
export async function isDirectChat(deps: Pick<BotDeps, 'db' | 'gateway'>, chatId: string): Promise<boolean> {
  const recorded = await chatTypeOf(deps.db, chatId);
  if (recorded !== undefined) return recorded === 'p2p';
  return (await deps.gateway.getChat(chatId).catch(() => undefined))?.chatMode === 'p2p';
}
