import { drawnMark } from './drawn-field.js';

/**
 * 移出 / 并入: an archivist corrects how filed files were grouped into 件. A burst filed with one tap
 * is one item; two forms photographed in one go need 移出 (some files become a new item of the same
 * task), the pages of one document sent in two goes need 并入 (item B's files follow item A's, B ends).
 * These are the rules alone; the usecases (usecases/split-item.ts, merge-items.ts) read the items under their row
 * locks and asks them.
 */

/** An item as the rules see it, read under its row lock. */
export interface RegroupItem {
  id: number;
  taskId: number;
  unitId: number;
  undone: boolean;
  /** Its live 档号, if confirmed. */
  archivalCode: string | null;
  /** Its files in order (filing_item_materials). */
  materialIds: readonly number[];
}

export type RegroupRefusal =
  | 'undone'
  | 'confirmed'
  | 'none_chosen'
  | 'not_in_item'
  | 'would_empty'
  | 'same_item'
  | 'other_task'
  | 'changed';

type SplitDecision =
  { ok: true; moving: number[]; staying: number[] } | { ok: false; reason: RegroupRefusal; message: string };

type MergeDecision = { ok: true; moving: number[] } | { ok: false; reason: RegroupRefusal; message: string };

/**
 * The mark of an item's files as a page drew them (drawn-field.ts): a form sent after a file left or
 * joined the item (a recall, another archivist's 移出) is refused rather than applied to files its user
 * did not see.
 */
export const filesMark = (materialIds: readonly number[]): string => drawnMark(materialIds.join(',')) ?? '';

/** An item named by its number, as its page's address has it (「件 #12」; 「第N件」 is a place in a task's list). */
const itemName = (id: number) => `件 #${id}`;

/** Why an item cannot be regrouped at all (gone, or holding a live 档号), if it cannot. */
function unchangeable(
  item: RegroupItem,
  verb: '移出' | '并入',
  drawn?: string,
): { ok: false; reason: RegroupRefusal; message: string } | undefined {
  if (item.undone)
    return { ok: false, reason: 'undone', message: `${itemName(item.id)} 已撤销或已并入别的件` };
  if (item.archivalCode)
    return {
      ok: false,
      reason: 'confirmed',
      message: `${itemName(item.id)} 已确认归档（档号 ${item.archivalCode}），不能${verb}；请档案员先撤销确认，再${verb}`,
    };
  if (drawn !== undefined && drawn !== filesMark(item.materialIds))
    return {
      ok: false,
      reason: 'changed',
      message: `${itemName(item.id)} 的文件在你打开页面后有变动，这次没有${verb}；请看过现在的文件再操作`,
    };
  return undefined;
}

/**
 * 移出: `chosen` files of `item` become a new item. Refused when the item is undone or confirmed,
 * when nothing (or a file the item does not hold) is chosen, and when every file is chosen: an item is
 * never left empty (that is 撤下, not 移出). The files keep the item's order on both sides. `drawn`: the
 * mark of the item's files as the page showed them (filesMark).
 */
export function decideSplit(item: RegroupItem, chosen: readonly number[], drawn?: string): SplitDecision {
  const no = unchangeable(item, '移出', drawn);
  if (no) return no;
  const picked = new Set(chosen);
  if (picked.size === 0) return { ok: false, reason: 'none_chosen', message: '请先勾选要移出的文件' };
  if ([...picked].some((id) => !item.materialIds.includes(id)))
    return {
      ok: false,
      reason: 'not_in_item',
      message: `勾选的文件已不在${itemName(item.id)} 里，请刷新后再选`,
    };
  const staying = item.materialIds.filter((id) => !picked.has(id));
  if (staying.length === 0)
    return {
      ok: false,
      reason: 'would_empty',
      message: `不能把${itemName(item.id)} 的文件全部移出：至少留下一个（整件不要时用撤下）`,
    };
  return { ok: true, moving: item.materialIds.filter((id) => picked.has(id)), staying };
}

/**
 * 并入: `from` (B) ends and its files follow `into`'s (A) in order. Both must be live, unconfirmed and
 * of the same task (so of the same unit, 门类 and 保管期限): files of another task or unit are 改归 first.
 * `drawn`: the mark of A's files as the page showed them (filesMark).
 */
export function decideMerge(into: RegroupItem, from: RegroupItem, drawn?: string): MergeDecision {
  if (into.id === from.id) return { ok: false, reason: 'same_item', message: '不能把一件并入它自己' };
  // Another task's item is refused before anything about it is said (its 档号 may be another unit's).
  if (into.taskId !== from.taskId || into.unitId !== from.unitId)
    return {
      ok: false,
      reason: 'other_task',
      message: `${itemName(from.id)} 和${itemName(into.id)} 不属于同一单位的同一项任务，不能并入；请先改归到同一项任务`,
    };
  const no = unchangeable(into, '并入', drawn) ?? unchangeable(from, '并入');
  if (no) return no;
  return { ok: true, moving: [...from.materialIds] };
}

/**
 * The item an archivist typed in the 并入 box: its number (「12」「#12」) or its page's link
 * (…/items/12…); undefined when it names none.
 */
export function itemIdOfInput(text: string): number | undefined {
  const t = text.trim();
  const m = /\/items\/(\d{1,15})(?:\D|$)/.exec(t) ?? /^(?:件\s*)?[#＃]?\s*(\d{1,15})$/.exec(t);
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
