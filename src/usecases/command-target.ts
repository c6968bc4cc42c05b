import type { Db } from '../db/client.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { getUnitByCode, listUnits, type UnitRow } from '../db/repos/units.js';
import { matchUnit } from '../domain/match-unit.js';
import { normalizeTaskCode } from '../domain/task-code.js';
import type { IncomingMessage } from '../domain/incoming.js';
import type { RoleAudience } from './feature.js';

export interface CommandTarget {
  unit?: UnitRow;
  year?: number;
  /** Words that were neither a year nor a unit code (e.g. a task code). */
  rest: string[];
}

/** A unit by its code, else by its name as 进度 reads it (东村, 东村村委会, 城关). */
async function unitNamed(db: Db, word: string): Promise<UnitRow | undefined> {
  const byCode = await getUnitByCode(db, word);
  if (byCode || normalizeTaskCode(word.replace(/^#/, ''))) return byCode;
  const [best] = matchUnit(word, await listUnits(db), 1);
  return best && best.score >= 50 ? best.unit : undefined;
}

/**
 * What `确认归档` / `导出` are about: a unit code or name among the words, else the unit the chat is bound to;
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
    const unit = out.unit ? undefined : await unitNamed(db, w);
    if (unit) out.unit = unit;
    else out.rest.push(w.replace(/^#/, ''));
  }
  out.unit ??= await unitOfChat(db, msg.chatId);
  return out;
}

/** 确认归档 / 导出: archivists (and admins) of the unit the command names, or the chat's, or above. */
export const archivistsOfTarget = (doing: string): RoleAudience => ({
  roles: ['archivist', 'admin'],
  doing,
  unit: async (deps, msg, cmd) => (await commandTarget(deps.db, msg, cmd.args)).unit,
});
