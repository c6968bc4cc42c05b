import type { Db } from '../db/client.js';
import { confirmedRefusal, liveRecordOfItem } from '../db/repos/archive-records.js';
import { insertAudit, type ActionSource } from '../db/repos/audit.js';
import { lockFilingItem } from '../db/repos/correction-items.js';
import { hasUnitRole } from '../db/repos/people.js';
import { lockTasksLiveRecords } from '../db/repos/task-retention.js';
import { getTaskContext, setTaskWaived } from '../db/repos/tasks.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { closeApprovedRequest } from './correction-follow-up.js';
import { taskLabel, taskRef, type TaskRef } from './file-burst.js';
import { followUpWaiver, type WaiverMade } from './waiver-follow-up.js';

/** `requestClosed`: the approved 申请更正 the 免交 carried out (its requester told), if one. */
export type WaiveOutcome =
  | { status: 'waived' | 'unwaived'; task: TaskRef; message: string; requestClosed?: number }
  | { status: 'unchanged'; task: TaskRef; message: string }
  | { status: 'refused'; reason: 'not_allowed' | 'confirmed' | 'numbered'; message: string };

/**
 * Why a task holding confirmed items is not waived, each live 档号 one a line, and how to take them
 * back first: in chat the correction card 查 opens, from the command line `archive unconfirm`.
 */
function numberedRefusal(
  label: string,
  live: { archivalCode: string; unitName: string }[],
  source: ActionSource,
): string {
  const how =
    source === 'cli'
      ? 'archive unconfirm --code 档号 --reason 原因'
      : '发送「查 档号」，在它的更正卡片上点「撤销确认」';
  return [
    `${label}有 ${live.length} 件已确认归档，不能免交：免交的任务算作不用交，不能留有编了档号的件。` +
      `请先逐件撤销确认（${how}；原档号停用），再免交。已确认归档的有：`,
    ...live.map((r) => `  ${r.archivalCode}（${r.unitName}）`),
  ].join('\n');
}

/**
 * Marks a task as not applicable (免交), with a reason: it then counts as done. Archivists,
 * leaders and admins of the unit (or above) may; the CLI always may. Refused while an item of the task
 * holds a live 档号 (checked under the items' row locks, which confirmation also takes): a task counted
 * as not applicable would hold a numbered 件. Audited. `waive: false` reopens it. Either way the unit's
 * chats are brought up to date (followUpWaiver).
 */
export async function waiveTask(
  deps: { db: Db; clock: Clock; quiet?: WaiverMade['quiet'] },
  input: {
    taskId: number;
    actorOpenId: string;
    reason: string;
    source: ActionSource;
    waive?: boolean;
    /** The item whose correction card it was waived from (免交 on 更正). */
    itemId?: number;
    /** The approved 申请更正 of that item the card was opened for: carried out by it. */
    requestId?: number;
    /** The chat it was done in (a command, or a card tapped there): its answer tells that chat. */
    chatId?: string;
  },
): Promise<WaiveOutcome> {
  const { db } = deps;
  const waive = input.waive ?? true;
  const task = await getTaskContext(db, input.taskId);
  if (!task) throw new DomainError('task_not_found', '找不到这个归档任务');
  const ref = taskRef(task);
  const reason = input.reason.trim();
  if (waive && !reason) throw new DomainError('waive_reason_required', '请写明免交原因');
  if (
    input.source !== 'cli' &&
    !(await hasUnitRole(db, input.actorOpenId, { path: task.unitPath }, ['archivist', 'leader', 'admin']))
  )
    return { status: 'refused', reason: 'not_allowed', message: '只有档案员或领导可以设置免交' };
  if ((task.state === 'waived') === waive)
    return {
      status: 'unchanged',
      task: ref,
      message: `${taskLabel(ref)}${waive ? '已是免交' : '本来就不是免交'}`,
    };
  const now = deps.clock.now();
  const changed = await db.transaction(async (tx) => {
    // The item first (as a refile or 著录 of it locks it before the task's counts change).
    const item = waive && input.itemId !== undefined && (await lockFilingItem(tx, input.itemId));
    // From the card of an item confirmed since it was drawn: as its card now says, not 免交 (a task
    // counted as not applicable while its 件 holds a 档号).
    const record = item && input.itemId !== undefined && (await liveRecordOfItem(tx, input.itemId));
    if (record) return { confirmed: record.archivalCode };
    // Any other 件 of the task numbered (the command and the CLI name no item): none is waived away.
    const live = waive ? await lockTasksLiveRecords(tx, [task.id]) : [];
    if (live.length > 0) return { numbered: live };
    if (!(await setTaskWaived(tx, task.id, waive ? { by: input.actorOpenId, reason, at: now } : null)))
      return false;
    const auditId = await insertAudit(tx, {
      at: now,
      actor: input.actorOpenId,
      action: waive ? 'waive' : 'unwaive',
      source: input.source,
      unitId: task.unitId,
      taskId: task.id,
      details: { reason },
    });
    await followUpWaiver(tx, {
      auditId,
      task: { id: task.id, unitId: task.unitId },
      label: taskLabel(ref),
      waived: waive,
      reason,
      household: task.householdId !== null,
      ...(input.chatId ? { chatId: input.chatId } : {}),
      ...(deps.quiet ? { quiet: deps.quiet } : {}),
      now,
    });
    const closed =
      item && input.itemId !== undefined
        ? await closeApprovedRequest(tx, {
            itemId: input.itemId,
            requestId: input.requestId,
            actor: input.actorOpenId,
            source: input.source,
            unitId: task.unitId,
            taskId: task.id,
            label: `${task.unitName}${taskLabel(ref)}`,
            done: `${taskLabel(ref)}已设为免交（${reason}）`,
            now,
          })
        : undefined;
    return { closed: closed?.requestId };
  });
  if (!changed)
    return {
      status: 'unchanged',
      task: ref,
      message: `${taskLabel(ref)}${waive ? '已是免交' : '本来就不是免交'}`,
    };
  if (changed.numbered)
    return {
      status: 'refused',
      reason: 'numbered',
      message: numberedRefusal(taskLabel(ref), changed.numbered, input.source),
    };
  if (changed.confirmed !== undefined)
    return { status: 'refused', reason: 'confirmed', message: confirmedRefusal(changed.confirmed) };
  const closed = changed.closed !== undefined ? { requestClosed: changed.closed } : {};
  return waive
    ? { status: 'waived', task: ref, message: `${taskLabel(ref)}已设为免交（${reason}）`, ...closed }
    : { status: 'unwaived', task: ref, message: `${taskLabel(ref)}已恢复为需归档`, ...closed };
}
