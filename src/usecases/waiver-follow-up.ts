import type { Db } from '../db/client.js';
import { enqueueJobs, type NewJob } from '../db/repos/jobs.js';
import { filedBurstsOfTask } from '../db/repos/task-cards.js';
import { oneCardEach, unfiledBursts } from '../db/repos/unfiled-bursts.js';
import { chatsOfUnit } from '../db/repos/units-chat-bindings.js';
import { editableSince } from '../domain/card-editable.js';
import { CORRECTED_CARD_JOB, TASK_CARDS_JOB } from '../domain/job-types.js';
import { firstSendable, type QuietHours } from '../domain/quiet-hours.js';
import { enqueueNotify, textContent } from './notify.js';

/** Waiting bursts read per query: their cards are all drawn again, page by page. */
export const WAITING_PAGE = 500;

/** A 免交 set or lifted, as its follow-ups tell of it. */
export interface WaiverMade {
  /** The waive / unwaive audit row: the follow-ups' key, so a retried request draws and tells once. */
  auditId: number;
  task: { id: number; unitId: number };
  /** 「C05 …」 (taskLabel). */
  label: string;
  waived: boolean;
  reason: string;
  /** A household's task (H03 of 张三户): its reason stays off the group line (see below). */
  household: boolean;
  /** The chat it was done in (a command or a card tap there): that answer told it, no line again. */
  chatId?: string;
  now: Date;
  /**
   * schedules.yaml's quiet hours (and the zone they are in): the line to the unit's chats waits for their
   * end, as every message nobody in that chat asked for does (a township archivist's 免交 at 22:00 is
   * heard at 08:00). Absent: sent at once.
   */
  quiet?: { timeZone: string; quietHours: QuietHours };
}

/**
 * After a task was waived (免交) or restored (恢复任务), from any path (the chat command, 免交 on a
 * correction card, `archive waive`), in that transaction: the unit's chats are brought up to date, each
 * by a retried job keyed by the waiver's audit row. Every card that shows the task or offers it, while
 * Lark still lets the bot change it: the filed cards of bursts filed to it (the `corrected-card` job's
 * drawing: the task 免交 instead of 还差, or its progress again), the filing cards of bursts of the
 * unit's chats still waiting (the same job: the task gone from the choices, or offered again; a split
 * burst's parts card once; every one, read WAITING_PAGE at a time), and its 「任务 C03」 cards (`task-cards`). Each chat of the unit other than
 * the one it was done in gets one line, 「「C05 …」已定为免交：原因」 (a household's task: 「…已定为免交，不用再交」,
 * no reason) / 「「C05 …」已恢复，请按时交」: the officers hear of it when a township archivist or the CLI did it.
 */
export async function followUpWaiver(tx: Db, x: WaiverMade): Promise<void> {
  const since = editableSince(x.now);
  const chats = await chatsOfUnit(tx, x.task.unitId);
  // A split burst's parts share one parts card, drawn once (oneCardEach, across the pages too).
  const parts = new Set<string>();
  const cardsOf = (bursts: readonly { id: number; partsCard: string | null }[]): NewJob<unknown>[] =>
    oneCardEach(bursts, parts).map((b) => ({
      type: CORRECTED_CARD_JOB,
      key: `${b.id}:${x.auditId}`,
      payload: { burstId: b.id },
      runAt: x.now,
    }));
  await enqueueJobs(
    tx,
    [
      ...cardsOf(await filedBurstsOfTask(tx, x.task.id, since)),
      {
        type: TASK_CARDS_JOB,
        key: `${x.task.id}:${x.auditId}`,
        payload: { taskId: x.task.id },
        runAt: x.now,
      },
    ],
    x.now,
  );
  // Every waiting card of the unit's chats, a page at a time: a village's backlog can be long, and a
  // bound (the first 500) left the newest undrawn, still offering the task as it was.
  for (let after: number | undefined; ;) {
    const page = await unfiledBursts(tx, { chatIds: chats, cardSince: since, after, limit: WAITING_PAGE });
    await enqueueJobs(tx, cardsOf(page), x.now);
    if (page.length < WAITING_PAGE) break;
    after = page.at(-1)!.id;
  }
  // A household's reason is often the family's own matter (去世, 服刑, 低保 changes): every member of the
  // village group would read it. The archivist who waived it has it; the group hears only that it is so.
  const line = x.waived
    ? `${x.label}已定为免交${x.household ? '，不用再交' : `：${x.reason}`}`
    : `${x.label}已恢复，请按时交`;
  const lineAt = x.quiet ? firstSendable(x.now, x.quiet.timeZone, x.quiet.quietHours) : x.now;
  for (const [i, chatId] of chats.entries()) {
    if (chatId === x.chatId) continue;
    await enqueueNotify(
      tx,
      {
        receiveIdType: 'chat_id',
        receiveId: chatId,
        msgType: 'text',
        content: textContent(line),
        uuid: `waivenote-${x.auditId}-${i}`,
      },
      x.now,
      lineAt,
    );
  }
}
