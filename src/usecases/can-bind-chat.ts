import { chatAddedBy } from '../db/repos/chats.js';
import { hasUnitRole, isAnyUnitAdmin } from '../db/repos/people.js';
import type { BotDeps } from './deps.js';

/**
 * Who may bind this chat. Without a unit (the 绑定 command, before a choice): an admin of some
 * unit, or whoever added the bot / owns the chat. With the chosen unit (the button): an admin of
 * that unit or above it; or the adder/owner if they also hold a role there (officer, archivist,
 * leader) — a stranger's group can never be bound to a village and then file for it.
 */
export async function canBindChat(
  deps: Pick<BotDeps, 'db' | 'gateway'>,
  chatId: string,
  openId: string,
  unit?: { path: string },
): Promise<boolean> {
  if (unit && (await hasUnitRole(deps.db, openId, unit, ['admin']))) return true;
  if (!unit && (await isAnyUnitAdmin(deps.db, openId))) return true;
  const addedOrOwns =
    (await chatAddedBy(deps.db, chatId)) === openId ||
    (await deps.gateway.getChat(chatId).catch(() => undefined))?.ownerId === openId;
  if (!addedOrOwns) return false;
  return !unit || (await hasUnitRole(deps.db, openId, unit, ['officer', 'archivist', 'leader']));
}
