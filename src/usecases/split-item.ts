import type { Db } from '../db/client.js';
import { insertAudit, type ActionSource } from '../db/repos/audit.js';
import { lockRegroupItems, splitItemRows, redrawRegroupedCards } from '../db/repos/item-regroup.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getDescription, upsertDescription } from '../db/repos/archive-descriptions.js';
import { detectDocNumber } from '../domain/catalogue.js';
import { getTaskContext } from '../db/repos/tasks.js';
import type { Tx } from '../db/client.js';
import { closeApprovedRequest } from './correction-follow-up.js';
import { taskLabel, taskRef } from './file-burst.js';
import { decideSplit, type RegroupRefusal } from '../domain/item-regroup.js';
import type { Clock } from '../ports/clock.js';

/** The approved 申请更正 a 移出 / 并入 closed (its requesters told), oldest first. */
type Closed = { closedRequests: number[] };

export type RegroupOutcome =
  | ({ status: 'split'; itemId: number; newItemId: number; moved: number; message: string } & Closed)
  | ({ status: 'merged'; itemId: number; fromItemId: number; moved: number; message: string } & Closed)
  | { status: 'refused'; reason: RegroupRefusal | 'not_allowed' | 'not_found'; message: string };

/** Who may regroup an item: the CLI, or an archivist or admin of the item's unit or above. */
export async function mayRegroup(db: Db, actor: string, source: ActionSource | 'page', taskId: number) {
  if (source === 'cli') return true;
  const task = await getTaskContext(db, taskId);
  return task !== undefined && hasUnitRole(db, actor, { path: task.unitPath }, ['archivist', 'admin']);
}

export const NOT_FOUND: RegroupOutcome = { status: 'refused', reason: 'not_found', message: '找不到这一件' };
export const NOT_ALLOWED: RegroupOutcome = {
  status: 'refused',
  reason: 'not_allowed',
  message: '只有本单位的档案员或管理员可以移出、并入',
};

/**
 * Closes approved 申请更正 a 移出 / 并入 carried out (closeApprovedRequest: a `correction_done` row, the
 * requester told 「已改好：<done>」), each `[itemId, requestId]` only while still owed on that item.
 */
export async function closeRegroupRequests(
  tx: Db | Tx,
  x: { actor: string; source: ActionSource | 'page'; taskId: number; now: Date; done: string },
  requests: [itemId: number, requestId: number][],
): Promise<number[]> {
  if (requests.length === 0) return [];
  const task = (await getTaskContext(tx as Db, x.taskId))!;
  const closed: number[] = [];
  for (const [itemId, requestId] of requests) {
    const c = await closeApprovedRequest(tx, {
      itemId,
      requestId,
      actor: x.actor,
      source: x.source,
      unitId: task.unitId,
      taskId: task.id,
      label: `${task.unitName}${taskLabel(taskRef(task))}`,
      done: x.done,
      now: x.now,
    });
    if (c) closed.push(c.requestId);
  }
  return closed;
}

/** The provisional 题名 of a 件 移出 from one titled `title`, until the archivist describes it. */
const splitTitle = (title: string) => `${title}（移出部分）`;

/**
 * A 页数 described on `itemId` no longer counts its files after a 移出 / 并入: cleared (the catalogue then
 * counts the files until the archivist enters it again). Returns the 页数 cleared, if one was.
 */
export async function clearDescribedPages(
  tx: Tx,
  itemId: number,
  actor: string,
  now: Date,
): Promise<number | undefined> {
  const pages = (await getDescription(tx, itemId))?.pages ?? undefined;
  if (pages == null) return undefined;
  await upsertDescription(tx, itemId, { pages: null }, actor, now);
  return pages;
}

/** What the result says of a 页数 cleared. */
export const pagesClearedText = (itemId: number, pages: number | undefined) =>
  pages === undefined ? '' : `；件 #${itemId} 著录的页数（${pages}）已清空，目录暂按文件计，请核对后重新填写`;

/**
 * 移出: the chosen files of a filed item become a new item of the same task (decideSplit's rules).
 * The new item starts without 著录: the source's 题名, 文号, 页数 … describe the document the burst was
 * taken for, and the files taken out are another one (two forms photographed in one go); copied, the
 * 目录 would list two 件 under one 题名 and 文号. Until the archivist describes it (the page offers 更正著录
 * there; 确认归档's preview lists it as still to describe) it is named provisionally 「<source's>（移出部分）」,
 * and when its 文号 would be read out of that title (the source's, from its caption) it is recorded as
 * having none (文号 ''). A 页数 described on the source no longer counts its files: cleared
 * (clearDescribedPages), and said. Photo notes go with their photos.
 *
 * One transaction under the item's row lock (lockRegroupItems): a confirmation numbering the item, a
 * recall or 撤下 taking it or a file off, or another archivist's 移出 of the same files, made at the same
 * moment, either committed first and is seen here (refused: confirmed, undone, files changed) or waits
 * and sees the split — never a 档号 given to files that just left, or one file in two live items.
 */
export async function splitItem(
  deps: { db: Db; clock: Clock },
  input: {
    itemId: number;
    materialIds: number[];
    actor: string;
    source: ActionSource | 'page';
    /** The page's mark of the files it showed (filesMark): refused when they changed since. */
    drawn?: string;
    /**
     * The approved 申请更正 of this item the 移出 carries out (the item page opened from its card, `?r=`):
     * closed with the split, its requester told. One not owed on the item closes nothing.
     */
    requestId?: number;
  },
): Promise<RegroupOutcome> {
  const { db } = deps;
  const now = deps.clock.now();
  return db.transaction(async (tx) => {
    const locked = (await lockRegroupItems(tx, [input.itemId])).get(input.itemId);
    if (!locked) return NOT_FOUND;
    if (!(await mayRegroup(tx, input.actor, input.source, locked.row.taskId))) return NOT_ALLOWED;
    const decision = decideSplit(locked.rules, input.materialIds, input.drawn);
    if (!decision.ok) return { status: 'refused', reason: decision.reason, message: decision.message };
    const title = splitTitle(locked.row.title);
    const newItemId = await splitItemRows(tx, locked.row, decision.moving, title);
    // The source's 文号, read out of the title the new 件 carries, is not the new 件's.
    if (detectDocNumber(title) !== '')
      await upsertDescription(tx, newItemId, { docNumber: '' }, input.actor, now);
    const pagesCleared = await clearDescribedPages(tx, locked.row.id, input.actor, now);
    const base = {
      at: now,
      actor: input.actor,
      source: input.source,
      unitId: locked.row.unitId,
      taskId: locked.row.taskId,
    };
    const materialIds = decision.moving;
    const auditId = await insertAudit(tx, {
      ...base,
      action: 'split_out',
      itemId: locked.row.id,
      burstId: locked.row.burstId,
      details: { toItemId: newItemId, materialIds, ...(pagesCleared ? { pagesCleared } : {}) },
    });
    await insertAudit(tx, {
      ...base,
      action: 'split_from',
      itemId: newItemId,
      details: { fromItemId: locked.row.id, materialIds },
    });
    await redrawRegroupedCards(tx, [locked.row.burstId], auditId, now);
    const closedRequests = await closeRegroupRequests(
      tx,
      {
        ...base,
        now,
        done: `已把其中 ${materialIds.length} 个文件移出，成为单独的一件（件 #${newItemId}）`,
      },
      input.requestId === undefined ? [] : [[locked.row.id, input.requestId]],
    );
    return {
      status: 'split',
      itemId: locked.row.id,
      newItemId,
      moved: materialIds.length,
      closedRequests,
      message: `已从件 #${locked.row.id} 移出 ${materialIds.length} 个文件，成为新的一件 #${newItemId}（同一任务；题名暂为「${title}」，著录请在新件上填写）${pagesClearedText(locked.row.id, pagesCleared)}`,
    };
  });
}
