import { chatAddedBy, chatTypeOf } from '../db/repos/chats.js';
import { hasUnitRole, listUnitPeople } from '../db/repos/people.js';
import { getUnitById, pathIds } from '../db/repos/units.js';
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

/**
 * The 绑定 button's refusal, with whom to ask: the admins of the unit, or of the nearest unit above it that
 * has any (「请找城关镇的管理员张三、李四…」). It said only who may, and the person who had just followed
 * 「把我拉进群的人…点一下即可绑定」 (a group member with no role yet) was left with no one to turn to.
 */
export async function bindRefusal(db: BotDeps['db'], unit: { name: string; path: string }): Promise<string> {
  const may = `只有${unit.name}（或上级）的管理员，或把我拉进群且在${unit.name}任职的人，可以绑定到这个单位。`;
  for (const id of pathIds(unit.path).reverse()) {
    const names = (await listUnitPeople(db, id))
      .filter((p) => p.role === 'admin' && p.name)
      .map((p) => p.name!)
      .slice(0, 3);
    if (names.length === 0) continue;
    const where = (await getUnitById(db, id))?.name ?? '';
    return `${may}请找${where}的管理员${names.join('、')}来绑定，或请他们先把您设为${unit.name}的工作人员。`;
  }
  return `${may}请找县里管理归档助手的同事绑定。`;
}
