import { paperNoteOf, uncountedOf } from './uncounted-note.js';
import type { Db } from '../db/client.js';
import { insertAudit, type ActionSource } from '../db/repos/audit.js';
import { taskProgress } from '../db/repos/completeness.js';
import { lockBurstStatus } from '../db/repos/bursts.js';
import { burstFilesInLiveItems, loadBurstForFiling } from '../db/repos/filings-burst.js';
import {
  getFilingItem,
  getLiveFilingOfBurst,
  insertFilingItem,
  recountTaskCopies,
  type FilingItemRow,
  type FilingVia,
} from '../db/repos/filings.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getTaskContext, type TaskContext } from '../db/repos/tasks.js';
import { chatsOfUnit } from '../db/repos/units-chat-bindings.js';
import {
  countKinds,
  archiveAsOf,
  archiveKindOf,
  filingTitle,
  undoDeadline,
  type FilingKind,
} from '../domain/checklist-filing.js';
import { missingText, type TaskState } from '../domain/checklist-task-state.js';
import { refusedFormatLines } from '../domain/format-advice.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { learnNamesLater } from '../db/repos/people.js';

export interface FilingDeps {
  db: Db;
  clock: Clock;
  /** Is the person a member of the chat? (The Lark side plugs in the real check.) */
  isChatMember(chatId: string, openId: string): Promise<boolean>;
}

export interface TaskRef {
  id: number;
  code: string;
  title: string;
  unitName: string;
  householdName: string | null;
  campaignCode: string;
  /** Kinds of evidence the task accepts (photo, document, audio, video). */
  kinds?: string[];
}

export type FileBurstOutcome =
  | {
      status: 'filed';
      itemId: number;
      task: TaskRef;
      kind: FilingKind;
      materialCount: number;
      /** Materials of the burst that ended unsaved and so were not filed. */
      notStored: number;
      /** Materials still downloading: they join this item once stored. */
      stillSaving: number;
      undoUntil: Date;
      /** Files of the burst left out: already in another live item (并入 / 移出 there). */
      elsewhere: number;
      progress: { filed: number; minCount: number; missing: number; state: TaskState };
      /** Files the task does not ask for (uncountedOf): in the item, not counted. */
      uncounted?: { text: string; files: number };
      /** How its photos count in a task that takes paper as photos (paperNoteOf). */
      paper?: string;
      /** Files whose format the archive refuses, and what to send instead (refusedFormatLines). */
      refusedFormats?: string[];
      message: string;
    }
  | {
      status: 'already_filed';
      itemId: number;
      task: TaskRef;
      sameTask: boolean;
      filedBy: string;
      filedAt: Date;
      message: string;
    }
  | { status: 'refused'; reason: 'not_allowed'; message: string };

export const taskRef = (t: TaskContext): TaskRef => ({
  id: t.id,
  code: t.code,
  title: t.title,
  unitName: t.unitName,
  householdName: t.householdName,
  campaignCode: t.campaignCode,
  kinds: t.kinds,
});

/** A split burst (分开归档) files nothing itself: its files have cards of their own. */
export const ALREADY_SPLIT = '这组材料已经分开了，请在分开后的卡片上分别选择任务';

/** 「这组材料已归入件 #12（C03 入户核查），不用再交」: where a burst's files already are. */
export function filedElsewhereText(
  placed: readonly { itemId: number; taskCode: string; taskTitle: string }[],
) {
  const items = [...new Map(placed.map((p) => [p.itemId, p])).values()];
  return `这组材料已归入${items.map((p) => `件 #${p.itemId}（${p.taskCode} ${p.taskTitle}）`).join('、')}，不用再交`;
}

export const taskLabel = (t: Pick<TaskRef, 'code' | 'title' | 'householdName'>) =>
  `「${t.code} ${t.householdName ? `${t.householdName}户 ` : ''}${t.title}」`;

const sourceOf = (via: FilingVia): ActionSource => (via === 'cli' ? 'cli' : via === 'card' ? 'card' : 'chat');

/**
 * Who may file for a unit: its officers (and officers, archivists, admins above it), or any member
 * of a chat bound to it. `preferChatId` (the chat the burst came from) is asked first.
 */
export async function canFile(
  deps: FilingDeps,
  actorOpenId: string,
  unit: { id: number; path: string },
  preferChatId?: string,
): Promise<boolean> {
  if (await hasUnitRole(deps.db, actorOpenId, unit, ['officer', 'archivist', 'admin'])) return true;
  const chats = await chatsOfUnit(deps.db, unit.id);
  chats.sort((a, b) => Number(b === preferChatId) - Number(a === preferChatId));
  for (const chatId of chats) if (await deps.isChatMember(chatId, actorOpenId)) return true;
  return false;
}

/**
 * Files all stored materials of a burst as ONE item (件 / 照片组) against a task, with an audit row
 * in the same transaction. A burst is filed at most once while live: a second or concurrent click
 * gets `already_filed` and writes nothing.
 */
export async function fileBurst(
  deps: FilingDeps,
  input: { burstId: number; taskId: number; actorOpenId: string; via: FilingVia },
): Promise<FileBurstOutcome> {
  const { db } = deps;
  const task = await getTaskContext(db, input.taskId);
  if (!task) throw new DomainError('task_not_found', '找不到这项任务');
  const burst = await loadBurstForFiling(db, input.burstId);
  if (!burst) throw new DomainError('burst_not_found', '找不到这组材料');
  const unit = { id: task.unitId, path: task.unitPath };
  if (input.via !== 'cli' && !(await canFile(deps, input.actorOpenId, unit, burst.chatId)))
    return {
      status: 'refused',
      reason: 'not_allowed',
      message: `只有${task.unitName}的工作群成员或工作人员才能交材料`,
    };
  const existing = await getLiveFilingOfBurst(db, burst.id);
  if (existing) return alreadyFiled(db, existing, task.id);
  if (task.state === 'waived')
    throw new DomainError('task_waived', `${taskLabel(taskRef(task))}已免交，不用再交材料`);
  if (burst.materials.length === 0)
    throw burst.stillSaving > 0 || burst.forwardsReading > 0
      ? new DomainError('burst_not_stored', '这组材料还在保存中，请稍后再试')
      : burst.recalled > 0 && burst.notStored === 0
        ? new DomainError('burst_recalled', '这组材料已撤回，不再归档')
        : new DomainError('burst_nothing_stored', '这组材料没有保存成功，不能交到任务里，请重新发送');

  const now = deps.clock.now();
  const filed = await db.transaction(async (tx) => {
    // Split meanwhile (分开归档): its files now belong to their own bursts.
    if ((await lockBurstStatus(tx, burst.id)) === 'split') return 'split' as const;
    // Read again under the burst's lock: a download that finished since is filed with the rest, and
    // one finishing later waits for this lock and then joins the item (download-record.ts).
    const read = (await loadBurstForFiling(tx, burst.id))!;
    // Recalled (撤回) meanwhile: nothing is left to file.
    if (read.materials.length === 0) return 'recalled' as const;
    // Filed meanwhile by another tap (it held the burst's lock first): already_filed, below.
    if (await getLiveFilingOfBurst(tx, burst.id)) return undefined;
    // A file already in a live item (its item 并入 another, or it was 移出 into a new one; the burst's
    // own item then ended) is left out, so one file never sits in two live items: only the rest is
    // filed (a late download of a merged burst), or nothing, saying where the files are. Read under the
    // burst's lock: every path that puts a file of this burst into a live item it was not in holds that
    // lock (this filing, a late download joining the filing: joinLiveFiling), and 并入 / 移出 only move
    // files between live items in one transaction — so a file read here as in no live item cannot
    // enter one before this commits (a re-filing racing a late join, or a second tap on another copy
    // of the card, would otherwise put it in two).
    const placed = await burstFilesInLiveItems(tx, burst.id);
    const taken = new Set(placed.map((p) => p.materialId));
    const fresh = { ...read, materials: read.materials.filter((m) => !taken.has(m.id)) };
    if (fresh.materials.length === 0)
      return new DomainError('burst_filed_elsewhere', filedElsewhereText(placed));
    const ids = fresh.materials.map((m) => m.id);
    const counts = countKinds(fresh.materials.map((m) => m.kind));
    const kind = archiveKindOf(
      fresh.materials.map((m) => m.kind),
      task.archiveAs ?? archiveAsOf(task.kinds),
    );
    const inserted = await insertFilingItem(
      tx,
      {
        taskId: task.id,
        unitId: task.unitId,
        burstId: burst.id,
        kind,
        title: filingTitle(burst.caption, task),
        nPhoto: counts.photo,
        nDocument: counts.document,
        nAudio: counts.audio,
        nVideo: counts.video,
        filedBy: input.actorOpenId,
        filedAt: now,
        via: input.via,
        chatId: burst.chatId,
      },
      ids,
    );
    if (!inserted) return undefined;
    // The same file already filed to this task (sent twice, forwarded again) is not counted twice.
    await recountTaskCopies(tx, [task.id]);
    // The filer is named on the item's page and in the catalogue: learn their name if unknown.
    await learnNamesLater(tx, [input.actorOpenId], now);
    await insertAudit(tx, {
      at: now,
      actor: input.actorOpenId,
      action: 'file',
      source: sourceOf(input.via),
      unitId: task.unitId,
      taskId: task.id,
      itemId: inserted.id,
      burstId: burst.id,
      chatId: burst.chatId,
      details: { via: input.via, kind, materialIds: ids, taskCode: task.code },
    });
    return { item: inserted, fresh, counts, kind, elsewhere: taken.size };
  });
  if (filed === 'split') throw new DomainError('burst_split', ALREADY_SPLIT);
  if (filed === 'recalled') throw new DomainError('burst_recalled', '这组材料已撤回，不再归档');
  if (filed instanceof DomainError) throw filed;
  if (!filed) {
    const winner = await getLiveFilingOfBurst(db, burst.id);
    if (!winner) throw new Error(`fileBurst: burst ${burst.id} conflict without a live filing`);
    return alreadyFiled(db, winner, task.id);
  }
  const { item, fresh, counts, kind, elsewhere } = filed;
  const p = (await taskProgress(db, task.id))!;
  const ref = taskRef(task);
  const n = fresh.materials.length;
  const what = counts.photo === n ? `照片 ${counts.photo} 张` : `材料 ${n} 份`;
  const uncounted = uncountedOf(fresh.materials, task.kinds);
  // The item's n_photo as recounted (recountTaskCopies): 0 when the task already held every photo.
  const counted = (await getFilingItem(db, item.id))!.nPhoto;
  const paper = paperNoteOf(fresh.materials, task.kinds, counted);
  // Formats the archive refuses: in the item, counted nowhere (recountTaskCopies); what to send instead.
  const refused = refusedFormatLines(fresh.materials.filter((m) => m.formatRefused));
  return {
    status: 'filed',
    itemId: item.id,
    task: ref,
    kind,
    materialCount: n,
    notStored: fresh.notStored,
    stillSaving: fresh.stillSaving,
    elsewhere,
    undoUntil: undoDeadline(now),
    progress: { filed: p.filed, minCount: p.minCount, missing: p.missing, state: p.state },
    ...(uncounted ? { uncounted } : {}),
    ...(paper ? { paper } : {}),
    ...(refused.length > 0 ? { refusedFormats: refused } : {}),
    message: `已交到${taskLabel(ref)}（${what}）${paper ? `，${paper}` : ''}，${p.missing > 0 ? missingText(task.kinds, p.missing) : '该项已齐全'}。${uncounted ? `${uncounted.text}。` : ''}${refused.length > 0 ? `${refused.join('；')}。` : ''}24 小时内可撤销。`,
  };
}

async function alreadyFiled(db: Db, item: FilingItemRow, requestedTaskId: number): Promise<FileBurstOutcome> {
  const task = (await getTaskContext(db, item.taskId))!;
  const ref = taskRef(task);
  return {
    status: 'already_filed',
    itemId: item.id,
    task: ref,
    sameTask: item.taskId === requestedTaskId,
    filedBy: item.filedBy,
    filedAt: item.filedAt,
    message: `已交到${taskLabel(ref)}`,
  };
}
