import type { Db } from '../db/client.js';
import { confirmedRefusal, lockItemLiveRecord } from '../db/repos/archive-records.js';
import { insertAudit, type ActionSource } from '../db/repos/audit.js';
import { getFilingItem, moveItem, type FilingItemRow } from '../db/repos/filings.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getTaskContext, type TaskContext } from '../db/repos/tasks.js';
import { chatsOfUnit } from '../db/repos/units-chat-bindings.js';
import { setAsideBy } from '../db/repos/burst-split.js';
import { kindsOfItem } from '../db/repos/item-kinds.js';
import { unfiledBursts } from '../db/repos/unfiled-bursts.js';
import { countsText, type BurstCounts } from '../domain/burst-summary.js';
import { titleAfterRefile, undoDeadline } from '../domain/checklist-filing.js';
import { plainDate } from '../domain/plain-date.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { canFile, taskLabel, taskRef, type FilingDeps, type TaskRef } from './file-burst.js';
import { followUpCorrection, type CarriesOut } from './correction-follow-up.js';
import { takeItemOff } from './take-item-off.js';

/** `requestClosed`: the approved 申请更正 the correction carried out (its requester told), if one. */
export type CorrectionOutcome =
  | { status: 'refiled'; itemId: number; from: TaskRef; to: TaskRef; message: string; requestClosed?: number }
  | { status: 'unfiled'; itemId: number; task: TaskRef; message: string; requestClosed?: number }
  | { status: 'unchanged'; itemId: number; message: string }
  | { status: 'refused'; reason: 'not_allowed' | 'confirmed' | 'other_unit'; message: string };

const isArchivist = (db: Db, openId: string, t: TaskContext) =>
  hasUnitRole(db, openId, { path: t.unitPath }, ['archivist', 'admin']);

async function liveItem(db: Db, itemId: number): Promise<{ item: FilingItemRow; task: TaskContext }> {
  const item = await getFilingItem(db, itemId);
  if (!item) throw new DomainError('item_not_found', '找不到这条归档记录');
  if (item.undoneAt) throw new DomainError('item_undone', '这条提交已经撤销了');
  return { item, task: (await getTaskContext(db, item.taskId))! };
}

/**
 * Moves a filed item to another task of the same unit (never across units): an archivist/admin of
 * the unit at any time, or the filer
 * within the 24-hour undo window (if they may file to the new task). Refused while the item holds a
 * live 档号 (checked under the item's row lock). Audited; its burst's cards in the chat are drawn again,
 * the filer told when someone else moved it, and the approved 申请更正 it carries out (`requestId`)
 * closed (followUpCorrection).
 */
export async function refileItem(
  deps: FilingDeps,
  input: {
    itemId: number;
    toTaskId: number;
    actorOpenId: string;
    source: ActionSource;
    requestId?: CarriesOut;
  },
): Promise<CorrectionOutcome> {
  const { db } = deps;
  const { item, task: from } = await liveItem(db, input.itemId);
  if (item.taskId === input.toTaskId)
    return { status: 'unchanged', itemId: item.id, message: '已经在这个任务下了' };
  const to = await getTaskContext(db, input.toTaskId);
  if (!to) throw new DomainError('task_not_found', '找不到目标归档任务');
  if (to.unitId !== from.unitId) return otherUnitRefusal(db, from, to);
  if (to.state === 'waived')
    throw new DomainError('task_waived', `${taskLabel(taskRef(to))}已免交，不用再交材料`);
  const now = deps.clock.now();
  const allowed =
    input.source === 'cli' ||
    (await isArchivist(db, input.actorOpenId, from)) ||
    (input.actorOpenId === item.filedBy &&
      now.getTime() <= undoDeadline(item.filedAt).getTime() &&
      (await canFile(
        deps,
        input.actorOpenId,
        { id: to.unitId, path: to.unitPath },
        item.chatId ?? undefined,
      )));
  if (!allowed)
    return {
      status: 'refused',
      reason: 'not_allowed',
      message: '只有档案员（或 24 小时内的归档人）可以改归',
    };
  const moved = await db.transaction(async (tx) => {
    const record = await lockItemLiveRecord(tx, item.id);
    if (record) return { confirmed: record.archivalCode };
    // A 题名 that was the old task's own follows the task (no stale task or household name in the 目录).
    const title = titleAfterRefile(item.title, from, to);
    const retitle = title ? { from: item.title, to: title } : undefined;
    if (!(await moveItem(tx, item.id, { taskId: to.id, unitId: to.unitId, retitle }, now))) return false;
    const auditId = await insertAudit(tx, {
      at: now,
      actor: input.actorOpenId,
      action: 'refile',
      source: input.source,
      unitId: to.unitId,
      taskId: to.id,
      itemId: item.id,
      burstId: item.burstId,
      details: {
        fromTaskId: from.id,
        fromCode: from.code,
        toTaskId: to.id,
        toCode: to.code,
        fromUnitId: from.unitId,
      },
    });
    const [a, b] = [taskLabel(taskRef(from)), taskLabel(taskRef(to))];
    const closed = await followUpCorrection(tx, {
      auditId,
      item,
      requestId: input.requestId,
      actor: input.actorOpenId,
      source: input.source,
      unitId: to.unitId,
      taskId: to.id,
      label: `${from.unitName}${a}`,
      done: `已从${a}改归到${b}`,
      filerNote: `您在${from.unitName}交到${a}的材料，档案员已改归到${b}。`,
      now,
    });
    return { closed: closed?.requestId };
  });
  if (!moved) throw new DomainError('item_undone', '这条提交已经撤销了');
  if (moved.confirmed !== undefined)
    return { status: 'refused', reason: 'confirmed', message: confirmedRefusal(moved.confirmed) };
  const [a, b] = [taskRef(from), taskRef(to)];
  return {
    status: 'refiled',
    itemId: item.id,
    from: a,
    to: b,
    message: `已从${taskLabel(a)}改归到${taskLabel(b)}`,
    ...(moved.closed !== undefined ? { requestClosed: moved.closed } : {}),
  };
}

/**
 * A 件 never moves to another unit's task: its materials were sent in this unit's chat. The way there
 * is the other unit's own chat: forward the materials into it (captured there as that unit's), file
 * them on its card, and take this 件 off (撤下).
 */
async function otherUnitRefusal(db: Db, from: TaskContext, to: TaskContext): Promise<CorrectionOutcome> {
  const there = to.unitName;
  const bound = (await chatsOfUnit(db, to.unitId)).length > 0;
  return {
    status: 'refused',
    reason: 'other_unit',
    message:
      `只能改归到${from.unitName}自己的任务，${taskLabel(taskRef(to))}属于${there}。` +
      (bound ? '' : `${there}还没有绑定工作群，请先在${there}的群里 @我 发送「绑定 ${there}」；`) +
      `请把这件的材料转发到${there}的工作群，在群里交到这项任务，再把这里的这件撤下`,
  };
}

/**
 * Takes a filed item off its task at any time (archivist/admin or CLI), e.g. after the undo window;
 * not while it holds a live 档号. Followed up as a refile is (followUpCorrection, `requestId` too).
 */
export async function unfileItem(
  /** `timeZone`: the day the filer is told their batch was handed in (TZ; China's when not given). */
  deps: { db: Db; clock: Clock; timeZone?: string },
  input: {
    itemId: number;
    actorOpenId: string;
    source: ActionSource;
    reason?: string;
    requestId?: CarriesOut;
  },
): Promise<CorrectionOutcome> {
  const { db } = deps;
  const { item, task } = await liveItem(db, input.itemId);
  if (input.source !== 'cli' && !(await isArchivist(db, input.actorOpenId, task)))
    return { status: 'refused', reason: 'not_allowed', message: '只有档案员可以撤下已归档的材料' };
  const now = deps.clock.now();
  const label = taskLabel(taskRef(task));
  let closed: number | undefined;
  const done = await takeItemOff(db, {
    item,
    task,
    actorOpenId: input.actorOpenId,
    source: input.source,
    action: 'unfile',
    details: { reason: input.reason ?? null, filedBy: item.filedBy },
    now,
    // Read once the item is off (in its transaction): where its burst now waits.
    then: async (tx, auditId) => {
      const req = await followUpCorrection(tx, {
        auditId,
        item,
        requestId: input.requestId,
        actor: input.actorOpenId,
        source: input.source,
        unitId: task.unitId,
        taskId: task.id,
        label: `${task.unitName}${label}`,
        done: `已从${label}撤下这件材料`,
        filerNote: unfiledNote(
          { filedAt: item.filedAt, counts: await kindsOfItem(tx, item.id), waits: await waitsAs(tx, item) },
          task.unitName,
          label,
          now,
          deps.timeZone ?? 'Asia/Shanghai',
        ),
        now,
      });
      closed = req?.requestId;
    },
  });
  if (done === 'already') throw new DomainError('item_undone', '这条提交已经撤销了');
  if (done !== 'done')
    return { status: 'refused', reason: 'confirmed', message: confirmedRefusal(done.confirmed) };
  const ref = taskRef(task);
  return {
    status: 'unfiled',
    itemId: item.id,
    task: ref,
    message: `已从${taskLabel(ref)}撤下这件材料`,
    ...(closed !== undefined ? { requestClosed: closed } : {}),
  };
}

/**
 * Where the materials of an item taken off wait, as its filer can find them: `listed` (未归档 lists its
 * burst in its group; `own`: the filer sent it, so 未归档 in the direct chat the note arrives in lists it
 * too), `set-aside` (its burst was marked 不用交 before it was filed: 未归档 leaves it out, its card
 * offers 重新选择任务), or `kept` (no burst, e.g. filed from the CLI, or a chat no longer bound: stored,
 * nothing to tap).
 */
type Waits = 'listed' | 'listed-own' | 'set-aside' | 'kept';

async function waitsAs(db: Db, item: Pick<FilingItemRow, 'burstId' | 'filedBy'>): Promise<Waits> {
  if (item.burstId === null) return 'kept';
  const [burst] = await unfiledBursts(db, { burstIds: [item.burstId] });
  if (burst) return burst.senderOpenId === item.filedBy ? 'listed-own' : 'listed';
  return (await setAsideBy(db, item.burstId)) !== undefined ? 'set-aside' : 'kept';
}

const WAITS: Record<Waits, string> = {
  // The note comes by direct message: there 未归档 is sent without the @, and lists what they sent.
  'listed-own': '材料还保存在群里，等着重新交到任务里：在这里发送「未归档」可以看到并重新选择任务。',
  listed: '材料还保存在群里，等着重新交到任务里：在群里发送「@归档助手 未归档」可以看到并重新选择任务。',
  'set-aside': '这组材料之前被标为不用交，仍保存在群里；要交时，在群里它的卡片上点「重新选择任务」。',
  kept: '',
};

/**
 * What the filer is told of their item taken off (撤下): which batch (the day it was handed in and what
 * it held, counted from the item's own files: 「12月5日交到…的3张照片」), that it no longer counts, and
 * where the materials wait (waitsAs).
 */
function unfiledNote(
  item: { filedAt: Date; counts: BurstCounts; waits: Waits },
  unitName: string,
  label: string,
  now: Date,
  timeZone: string,
): string {
  const what = countsText(item.counts, '') || '材料';
  return (
    `您${plainDate(item.filedAt, now, timeZone)}在${unitName}交到${label}的${what}，档案员已撤下，不再计入这项任务。` +
    WAITS[item.waits]
  );
}
