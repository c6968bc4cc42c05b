import type { Db } from '../db/client.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import type { UnitRow } from '../db/repos/units.js';
import { normalizeTaskCode } from '../domain/task-code.js';
import { chatWhere, sentAs } from '../domain/export-again.js';
import type { IncomingMessage } from '../domain/incoming.js';
import type { RoleAudience, UnitQuestion } from './feature.js';
import { unitNaming, whichUnit } from './unit-naming.js';

export interface CommandTarget {
  unit?: UnitRow;
  /** The words named several units equally (two 东村): the units, and the words. */
  several?: { said: string; units: UnitRow[] };
  year?: number;
  /** Words that were neither a year nor a unit code (e.g. a task code). */
  rest: string[];
}

const YEAR = /^((?:19|20)\d{2})年?(度)?$/;

/**
 * What `确认归档` / `导出` / `四性检测` / `免交` are about: a unit named among the words (its code, its
 * name as 进度 reads it — 东村, 东村村委会, 城关 — or its name after its township's, 城关镇东村 or 城关镇
 * 东村; the chat's own units first, unitNaming), else the unit the chat is bound to; a year (`2025` or
 * `2025年`) when given. A task code is never read as a unit's name.
 */
export async function commandTarget(db: Db, msg: IncomingMessage, args: string): Promise<CommandTarget> {
  const words = args.split(/\s+/).filter(Boolean);
  const named = await unitNaming(db, msg);
  const out: CommandTarget = { rest: [] };
  const isCode = (w: string) => normalizeTaskCode(w.replace(/^[#＃]/, '')) !== undefined;
  for (let i = 0; i < words.length;) {
    const w = words[i]!;
    const year = YEAR.exec(w);
    if (year && out.year === undefined) {
      out.year = Number(year[1]);
      i++;
      continue;
    }
    if (!out.unit && !out.several) {
      // The longest run of words from here naming a unit (城关镇 东村), a task code only by a unit's code.
      let end = i;
      while (end < words.length && !YEAR.test(words[end]!) && !isCode(words[end]!)) end++;
      const tries = end > i ? end - i : 1;
      let taken = 0;
      for (let n = tries; n >= 1 && taken === 0; n--) {
        const said = words.slice(i, i + n).join(' ');
        const picked = named(said);
        if (picked.kind === 'one' && (end > i || picked.unit.code === said)) {
          out.unit = picked.unit;
          taken = n;
        } else if (picked.kind === 'several' && end > i) {
          out.several = { said, units: picked.units };
          taken = n;
        }
      }
      if (taken > 0) {
        i += taken;
        continue;
      }
    }
    out.rest.push(w.replace(/^#/, ''));
    i++;
  }
  if (!out.several) out.unit ??= await unitOfChat(db, msg.chatId);
  return out;
}

/** 确认归档 / 导出: archivists (and admins) of the unit the command names, or the chat's, or above. */
export const archivistsOfTarget = (doing: string): RoleAudience => ({
  roles: ['archivist', 'admin'],
  doing,
  unit: async (deps, msg, cmd) =>
    targetOrQuestion(await commandTarget(deps.db, msg, cmd.args), msg, cmd.text),
});

/** The target's unit, or, when its words named several, the question which one (its example as sent here). */
export function targetOrQuestion(
  target: CommandTarget,
  msg: IncomingMessage,
  text: string,
): UnitRow | UnitQuestion | undefined {
  if (!target.several) return target.unit;
  const { said, units } = target.several;
  return { units, question: whichUnit(said, units, sentAs(text, chatWhere(msg.chatType))) };
}
