import { chatTypeOf, listChats } from '../db/repos/chats.js';
import { getLiveBinding } from '../db/repos/units-chat-bindings.js';
import { getUnitByCode, getUnitById } from '../db/repos/units.js';
import { CHAT_TABLE_HEADER, csvField, csvTextField } from '../domain/chat-bindings-table.js';
import { AppError, DomainError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { bindChat } from '../usecases/bind-chat.js';
import { bindChatsFromTable } from '../usecases/bind-chats-from-table.js';
import type { CliCommand } from './commands.js';
import { readTableFile } from './read-table-file.js';

const USAGE = `用法:
  chats list                        列出机器人所在的群及其绑定的单位（和机器人的单聊只计数）
  chats list --csv > 群.csv         同上，存成表格（群ID,群名,单位编码）：在单位编码列填上各群的单位，再用 chats bind 群.csv 一次绑定
  chats bind CHAT_ID UNIT_CODE      把群绑定到单位（与群里「@归档助手 绑定」相同）
  chats bind FILE                   按表格一次绑定多个群（.xlsx 或 CSV，列: 群ID/chat_id, 单位编码/unit_code；单位编码空着的行跳过）`;

/** `chats list` before the bot has recorded any group chat. */
export const NO_CHATS_YET =
  '机器人还没有记下任何群。机器人运行时，把它加进群（群设置 → 群机器人 → 添加机器人），或在已加了它的群里 @归档助手 说一句话，它就记下这个群；' +
  '之后再运行 npm run cli -- chats list（内置数据库：先停止机器人）';

/** `npm run cli -- chats …`: the command-line equivalent of binding a chat in Lark. */
export const chatsCommand: CliCommand = {
  usage: USAGE,
  subcommands: ['list', 'bind'],
  readsOnly: ([sub]) => sub === 'list',
  wellFormed: ([sub, a, b, ...rest]) =>
    (sub === 'list' && (a === undefined || (a === '--csv' && b === undefined))) ||
    // `bind oc_…` alone is a chat id whose unit code was left out (the usage), not a table.
    (sub === 'bind' && a !== undefined && rest.length === 0 && (b !== undefined || !/^oc_/.test(a))),
  summary: '机器人所在的群和对应的单位：list、bind',
  run: async ([sub, a, b], { db, out, err }) => {
    if (sub === 'list') {
      const csv = a === '--csv';
      if (csv) out(`\uFEFF${CHAT_TABLE_HEADER.join(',')}`);
      let direct = 0;
      let groups = 0;
      for (const c of await listChats(db)) {
        // Direct chats with the bot (one per person who wrote to it) are not bound to anything.
        if (c.chatType === 'p2p') {
          direct++;
          continue;
        }
        groups++;
        const binding = await getLiveBinding(db, c.chatId);
        const unit = binding ? await getUnitById(db, binding.unitId) : undefined;
        if (csv) {
          if (c.active)
            out([csvField(c.chatId), csvTextField(c.name ?? ''), csvField(unit?.code ?? '')].join(','));
          continue;
        }
        const bound = unit
          ? `已绑定 ${unit.code} ${unit.fullName}${binding?.status === 'paused' ? '（暂停）' : ''}`
          : '未绑定';
        out(`${c.chatId}\t${c.active ? '在群里' : '已移出'}\t${c.name ?? ''}\t${bound}`);
      }
      // An empty list said nothing at all: the bot records a chat only from Lark's events while it runs.
      // With --csv stdout is the table (often a file: `> 群.csv`): the hint goes to stderr, on the screen.
      if (groups === 0) (csv ? (err ?? console.error) : out)(NO_CHATS_YET);
      if (!csv && direct > 0) out(`另有 ${direct} 个和机器人的单聊（不用绑定）`);
      return;
    }
    if (sub === 'bind' && a && b === undefined) {
      const table = await readTableFile(a);
      out(`读取 ${table.fileName}（${table.source}）`);
      const r = await bindChatsFromTable({ db, clock: systemClock }, table);
      const skipped = r.blank > 0 ? `，单位编码空着跳过 ${r.blank}` : '';
      out(
        `群绑定完成：新绑定 ${r.bound}，改绑 ${r.rebound.length}，恢复 ${r.resumed}，原已绑定 ${r.already}${skipped}`,
      );
      for (const x of r.rebound) out(`  ${x.chatId}：由 ${x.from} 改为绑定 ${x.to}`);
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
