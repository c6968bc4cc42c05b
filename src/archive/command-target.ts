import type { Db } from '../db/client.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { getUnitByCode, type UnitRow } from '../db/repos/units.js';
import type { IncomingMessage } from '../domain/incoming.js';

export interface CommandTarget {
  unit?: UnitRow;
  year?: number;
  /** Words that were neither a year nor a unit code (e.g. a task code). */
  rest: string[];
}

/**
 * What `确认归档` / `导出` are about: a unit code among the words, else the unit the chat is bound to;
 * a year (`2025` or `2025年`) when given.
 */
export async function commandTarget(db: Db, msg: IncomingMessage, args: string): Promise<CommandTarget> {
  const words = args.split(/\s+/).filter(Boolean);
  const out: CommandTarget = { rest: [] };
  for (const w of words) {
    const year = /^((?:19|20)\d{2})年?(度)?$/.exec(w);
    if (year && out.year === undefined) {
      out.year = Number(year[1]);
      continue;
    }
    const unit = out.unit ? undefined : await getUnitByCode(db, w);
    if (unit) out.unit = unit;
    else out.rest.push(w.replace(/^#/, ''));
  }
  out.unit ??= await unitOfChat(db, msg.chatId);
  return out;
}
