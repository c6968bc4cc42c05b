import type { Db } from '../db/client.js';
import { listChats } from '../db/repos/chats.js';
import { getUnitById, listUnits } from '../db/repos/units.js';
import { parseChatBindingRows, unknownUnitCode } from '../domain/chat-bindings-table.js';
import type { CsvRecord } from '../domain/units-csv.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { bindChat } from './bind-chat.js';

export interface BindTableResult {
  bound: number;
  resumed: number;
  already: number;
  /** Chats that were bound to another unit: `from` and `to` are full names. */
  rebound: { chatId: string; from: string; to: string }[];
  /** Rows left without a unit code. */
  blank: number;
}

/**
 * Binds many chats at once from a table (群ID, 单位编码; `chats list --csv` writes one to fill in).
 * Every row is checked first — a chat the bot has not recorded or a direct chat, an unknown unit
 * code or a retired unit's (撤并), a chat listed twice — and any problem refuses the whole table, naming every line; then each
 * row is bound as `chats bind` binds one (audited; a chat already bound there is left as it is).
 */
export async function bindChatsFromTable(
  deps: { db: Db; clock: Clock },
  file: { fileName: string; records: CsvRecord[] },
): Promise<BindTableResult> {
  const { rows, blank } = parseChatBindingRows(file.records, file.fileName);
  const chats = new Map((await listChats(deps.db)).map((c) => [c.chatId, c]));
  const all = await listUnits(deps.db);
  const units = new Map(all.map((u) => [u.code, u]));
  const byId = new Map(all.map((u) => [u.id, u]));
  const errors: string[] = [];
  for (const r of rows) {
    const at = `${file.fileName} 第 ${r.line} 行`;
    const chat = chats.get(r.chatId);
    if (!chat) errors.push(`${at}: 机器人不在群 ${r.chatId} 里（没有记录）：先把机器人加进这个群`);
    else if (chat.chatType === 'p2p') errors.push(`${at}: ${r.chatId} 是和机器人的单聊，不用绑定`);
    const unit = units.get(r.unitCode);
    if (!unit) errors.push(`${at}: ${unknownUnitCode(r.unitCode)}`);
    else if (unit.status === 'retired') {
      const into = unit.mergedIntoId === null ? undefined : byId.get(unit.mergedIntoId);
      errors.push(
        `${at}: ${unit.name}（${unit.code}）已${into ? `并入 ${into.name}（${into.code}），请填 ${into.code}` : '撤销，不能再绑定'}`,
      );
    }
  }
  if (errors.length > 0) throw new DomainError('chat_table_invalid', errors.join('\n'));
  const result: BindTableResult = { bound: 0, resumed: 0, already: 0, rebound: [], blank };
  for (const r of rows) {
    const unit = units.get(r.unitCode)!;
    const outcome = await bindChat(deps, {
      chatId: r.chatId,
      unitId: unit.id,
      actorOpenId: 'cli',
      source: 'cli',
    });
    if (outcome.status === 'busy')
      throw new DomainError('chat_busy', `${file.fileName} 第 ${r.line} 行: ${r.chatId} ${outcome.message}`);
    if (outcome.status === 'bound') result.bound++;
    else if (outcome.status === 'resumed') result.resumed++;
    else if (outcome.status === 'already_bound') result.already++;
    else {
      const from = outcome.previousUnitId ? await getUnitById(deps.db, outcome.previousUnitId) : undefined;
      result.rebound.push({ chatId: r.chatId, from: from?.fullName ?? '', to: unit.fullName });
    }
  }
  return result;
}
