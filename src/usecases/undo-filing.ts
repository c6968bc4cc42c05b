import type { Db } from '../db/client.js';
import { confirmedRefusal } from '../db/repos/archive-records.js';
import type { ActionSource } from '../db/repos/audit.js';
import { getFilingItem } from '../db/repos/filings.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getTaskContext } from '../db/repos/tasks.js';
import { undoDeadline } from '../domain/checklist-filing.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { taskLabel, taskRef, type TaskRef } from './file-burst.js';
import { takeItemOff } from './take-item-off.js';

export type UndoOutcome =
  | { status: 'undone'; itemId: number; task: TaskRef; message: string }
  | { status: 'already_undone'; itemId: number; message: string }
  | { status: 'refused'; reason: 'expired' | 'not_allowed' | 'confirmed'; message: string };

/** Who may undo a filing (within its 24 hours): the person who filed it, or an archivist/admin of its unit. */
export async function mayUndo(
  db: Db,
  openId: string,
  item: { filedBy: string; unitPath: string },
): Promise<boolean> {
  return (
    openId === item.filedBy ||
    (await hasUnitRole(db, openId, { path: item.unitPath }, ['archivist', 'admin']))
  );
}

/**
 * Undoes a filing within 24 hours, by the person who filed it or an archivist/admin of the unit.
 * Later corrections go through an archivist (refileItem / unfileItem). The burst can then be filed
 * again. Refused while the item holds a live 档号 (checked under the item's row lock). Audited in the
 * same transaction.
 */
export async function undoFiling(
  deps: { db: Db; clock: Clock },
  input: { itemId: number; actorOpenId: string; source: ActionSource },
): Promise<UndoOutcome> {
  const { db } = deps;
  const item = await getFilingItem(db, input.itemId);
  if (!item) throw new DomainError('item_not_found', '找不到这条提交记录');
  if (item.undoneAt) return { status: 'already_undone', itemId: item.id, message: '这条提交已经撤销了' };
  const task = (await getTaskContext(db, item.taskId))!;
  const now = deps.clock.now();
  if (now.getTime() > undoDeadline(item.filedAt).getTime())
    return {
      status: 'refused',
      reason: 'expired',
      message: '提交已超过 24 小时，不能自行撤销；请点「申请更正」',
    };
  const allowed =
    input.source === 'cli' ||
    (await mayUndo(db, input.actorOpenId, { filedBy: item.filedBy, unitPath: task.unitPath }));
  if (!allowed) return { status: 'refused', reason: 'not_allowed', message: '只有提交人或档案员可以撤销' };
  const done = await takeItemOff(db, {
    item,
    task,
    actorOpenId: input.actorOpenId,
    source: input.source,
    action: 'undo',
    details: { filedBy: item.filedBy, filedAt: item.filedAt.toISOString() },
    now,
  });
  if (done === 'already') return { status: 'already_undone', itemId: item.id, message: '这条提交已经撤销了' };
  if (done !== 'done')
    return { status: 'refused', reason: 'confirmed', message: confirmedRefusal(done.confirmed) };
  const ref = taskRef(task);
  return { status: 'undone', itemId: item.id, task: ref, message: `已撤销提交到${taskLabel(ref)}的材料` };
}
