import { listChats } from '../db/repos/chats.js';
import { getLiveBinding } from '../db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../db/repos/units.js';
import { AppError, DomainError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { bindChat } from '../usecases/bind-chat.js';
import type { CliCommand } from './commands.js';

const USAGE = `用法:
  chats list                        列出机器人所在的群及其绑定的单位
  chats bind CHAT_ID UNIT_CODE      把群绑定到单位（与群里「@归档助手 绑定」相同）`;

/** `npm run cli -- chats …`: the command-line equivalent of binding a chat in Lark. */
export const chatsCommand: CliCommand = {
  usage: USAGE,
  subcommands: ['list', 'bind'],
  summary: 'chats list | bind CHAT_ID UNIT_CODE — chats the bot is in and their units',
  run: async ([sub, a, b], { db, out }) => {
    if (sub === 'list') {
      for (const c of await listChats(db)) {
        const binding = await getLiveBinding(db, c.chatId);
        out(
          `${c.chatId}\t${c.active ? 'active' : 'left'}\t${c.name ?? ''}\t${binding ? `unit #${binding.unitId} (${binding.status})` : 'unbound'}`,
        );
      }
      return;
    }
    if (sub === 'bind' && a && b) {
      const unit = await getUnitByCode(db, b);
      if (!unit) throw new DomainError('unit_not_found', `没有代码为 ${b} 的单位`);
      const outcome = await bindChat(
        { db, clock: systemClock },
        { chatId: a, unitId: unit.id, actorOpenId: 'cli', source: 'cli' },
      );
      out(outcome.message);
      return;
    }
    throw new AppError('usage', USAGE);
  },
};
