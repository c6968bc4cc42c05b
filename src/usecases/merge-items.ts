import type { Db } from '../db/client.js';
import { insertAudit, type ActionSource } from '../db/repos/audit.js';
import { lockRegroupItems, mergeItemRows, redrawRegroupedCards } from '../db/repos/item-regroup.js';
import { decideMerge } from '../domain/item-regroup.js';
import type { Clock } from '../ports/clock.js';
import { approvedOpenRequestsOfItem } from '../db/repos/correction-items.js';
import {
  clearDescribedPages,
  closeRegroupRequests,
  pagesClearedText,
  mayRegroup,
  NOT_ALLOWED,
  NOT_FOUND,
  type RegroupOutcome,
} from './split-item.js';

/**
 * 并入: item B's files follow item A's, in their order, and B ends (decideMerge's rules: both live, not
 * confirmed, the same task). B is marked undone by the archivist, not deleted: its row, its 著录 and
 * its audit stay, and a `merged_into` row on it names A. A keeps its own 著录 (B's pages continue A's
 * document) but a 页数 described, which counted A's files only: cleared (clearDescribedPages) and said;
 * B's photo notes go with their photos.
 *
 * One transaction holding both items' row locks, taken in id order (lockRegroupItems): a confirmation
 * of A or B, a recall, or a second merge at the same moment (even B into A and A into B at once) either
 * committed first and is seen here (refused) or waits and sees this — never a 档号 on an item that just
 * ended, files counted in two items, or two items each merged into the other.
 */
export async function mergeItems(
  deps: { db: Db; clock: Clock },
  input: {
    intoItemId: number;
    fromItemId: number;
    actor: string;
    source: ActionSource | 'page';
    /** The page's mark of A's files as it showed them (filesMark). */
    drawn?: string;
    /**
     * The approved 申请更正 the 并入 carries out (A's page opened from its card, `?r=`), of A or of B:
     * closed with the merge, its requester told. One not owed on either closes nothing.
     */
    requestId?: number;
  },
): Promise<RegroupOutcome> {
  const { db } = deps;
  const now = deps.clock.now();
  return db.transaction(async (tx) => {
    const locked = await lockRegroupItems(tx, [input.intoItemId, input.fromItemId]);
    const [into, from] = [locked.get(input.intoItemId), locked.get(input.fromItemId)];
    if (!into || !from) return NOT_FOUND;
    // B must be of A's task (decideMerge), so of A's unit: A's right covers both.
    if (!(await mayRegroup(tx, input.actor, input.source, into.row.taskId))) return NOT_ALLOWED;
    const decision = decideMerge(into.rules, from.rules, input.drawn);
    if (!decision.ok) return { status: 'refused', reason: decision.reason, message: decision.message };
    await mergeItemRows(tx, into.row, from.row, decision.moving, input.actor, now);
    // A's 页数, if described, counted A's files only.
    const pagesCleared = await clearDescribedPages(tx, into.row.id, input.actor, now);
    const base = {
      at: now,
      actor: input.actor,
      source: input.source,
      unitId: into.row.unitId,
      taskId: into.row.taskId,
    };
    const materialIds = decision.moving;
    await insertAudit(tx, {
      ...base,
      action: 'merge_in',
      itemId: into.row.id,
      burstId: into.row.burstId,
      details: { fromItemId: from.row.id, materialIds, ...(pagesCleared ? { pagesCleared } : {}) },
    });
    const auditId = await insertAudit(tx, {
      ...base,
      action: 'merged_into',
      itemId: from.row.id,
      burstId: from.row.burstId,
      details: { intoItemId: into.row.id, materialIds },
    });
    await redrawRegroupedCards(tx, [from.row.burstId, into.row.burstId], auditId, now);
    // The request carried out, and every request still owed on B: B is no more, so none could be carried
    // out on it (the owed list shows live items only): its requesters hear where its files went.
    const r = input.requestId;
    const closedRequests = await closeRegroupRequests(
      tx,
      { ...base, now, done: `已把件 #${from.row.id} 并入件 #${into.row.id}，合为一件` },
      [
        ...(r === undefined ? [] : [[into.row.id, r] as [number, number]]),
        ...(await approvedOpenRequestsOfItem(tx, from.row.id)).map((q): [number, number] => [
          from.row.id,
          q.id,
        ]),
      ],
    );
    return {
      status: 'merged',
      itemId: into.row.id,
      fromItemId: from.row.id,
      moved: materialIds.length,
      closedRequests,
      message: `已把件 #${from.row.id} 的 ${materialIds.length} 个文件并入件 #${into.row.id}，排在原有文件之后；件 #${from.row.id} 不再单独成件${pagesClearedText(into.row.id, pagesCleared)}`,
    };
  });
}
