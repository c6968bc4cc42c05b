import { chatTypeOf, listChats } from '../db/repos/chats.js';
import { getLiveBinding } from '../db/repos/units-chat-bindings.js';
import { getUnitByCode, getUnitById } from '../db/repos/units.js';
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
  readsOnly: ([sub]) => sub === 'list',
  wellFormed: ([sub, a, b]) => sub === 'list' || (sub === 'bind' && a !== undefined && b !== undefined),
  summary: '机器人所在的群和对应的单位：list、bind',
  run: async ([sub, a, b], { db, out }) => {
    if (sub === 'list') {
      for (const c of await listChats(db)) {
        const binding = await getLiveBinding(db, c.chatId);
        const unit = binding ? await getUnitById(db, binding.unitId) : undefined;
        const bound = unit
          ? `已绑定 ${unit.code} ${unit.fullName}${binding?.status === 'paused' ? '（暂停）' : ''}`
          : '未绑定';
        out(`${c.chatId}\t${c.active ? '在群里' : '已移出'}\t${c.name ?? ''}\t${bound}`);
      }
      return;
    }
    if (sub === 'bind' && a && b) {
      // A mistyped id would bind a chat that does not exist (and leave the real one unbound).
      if ((await chatTypeOf(db, a)) === undefined)
        throw new DomainError(
          'chat_not_found',
          `机器人不在群 ${a} 里（没有记录）：先把机器人加进这个群，再用 npm run cli -- chats list 查群的 ID`,
        );
      const unit = await getUnitByCode(db, b);
      if (!unit) throw new DomainError('unit_not_found', `没有代码为 ${b} 的单位`);
      const outcome = await bindChat(
        { db, clock: systemClock },
        { chatId: a, unitId: unit.id, actorOpenId: 'cli', source: 'cli' },
      );
      out(`${a}：${outcome.message}`);
      return;
    }
    throw new AppError('usage', USAGE);
  },
};
