import type { Db, Tx } from '../db/client.js';
import { lockItemLiveRecord } from '../db/repos/archive-records.js';
import { insertAudit, type ActionSource } from '../db/repos/audit.js';
import { markItemUndone, type FilingItemRow } from '../db/repos/filings.js';
import type { TaskContext } from '../db/repos/tasks.js';

/**
 * Takes a filed item off its task (undo or unfile) in one transaction, under the item's row lock:
 * refused while it holds a live 档号 (`{ confirmed }`), 'already' when another request undid it
 * first, else marked undone with its audit row.
 */
export async function takeItemOff(
  db: Db,
  x: {
    item: FilingItemRow;
    task: TaskContext;
    actorOpenId: string;
    source: ActionSource;
    action: 'undo' | 'unfile';
    details: Record<string, unknown>;
    now: Date;
    /** More work in the same transaction once it is taken off (given the audit row's id). */
    then?: (tx: Tx, auditId: number) => Promise<void>;
  },
): Promise<'done' | 'already' | { confirmed: string }> {
  return db.transaction(async (tx) => {
    const record = await lockItemLiveRecord(tx, x.item.id);
    if (record) return { confirmed: record.archivalCode };
    if (!(await markItemUndone(tx, x.item.id, x.actorOpenId, x.now))) return 'already';
    const auditId = await insertAudit(tx, {
      at: x.now,
      actor: x.actorOpenId,
      action: x.action,
      source: x.source,
      unitId: x.task.unitId,
      taskId: x.task.id,
      itemId: x.item.id,
      burstId: x.item.burstId,
      details: x.details,
    });
    await x.then?.(tx, auditId);
    return 'done';
  });
}
