import type { LastUrge } from '../../db/repos/urge-history.js';
import { personName } from '../../domain/person-name.js';
import { plainDate, plainDateTime } from '../../domain/plain-date.js';
import type { PersonInChat } from '../../usecases/chat-member-names.js';
import type { UrgeReaders } from '../../usecases/urge-readers.js';
import { html, type Html } from './html.js';

/** Readers named on the page; more are counted (a chat of a whole village). */
const READERS_NAMED = 10;

/**
 * What came of the last 督办 that reached the unit's chat, so a leader sees it on later days too (the
 * page said only 「今天已督办」, and nothing from the next day on): `full` (the village's own figures,
 * the task page) — 「上次督办：12月3日 09:05，城关镇领导 张三；之后提交了 2 件」; short (a row) —
 * 「12月3日督办，之后提交 2 件；已读 3 人」, or for a task row 「12月3日督办过；已读 3 人」 (the row still lists
 * it: still missing). The full form says below it who read it (`readers`; names from `names`, never an open_id),
 * a row how many (readersCount).
 */
export function lastUrgeNote(
  last: LastUrge | undefined,
  now: Date,
  tz: string,
  form: 'full' | 'row' | 'task-row',
  names: ReadonlyMap<string, string> = new Map(),
  readers?: UrgeReaders,
): Html | string {
  if (!last) return '';
  const since = last.filedSince > 0 ? `提交了 ${last.filedSince} 件` : '还没有提交';
  const read = readers ? html`；<span class="urge-read">${readersCount(readers)}</span>` : '';
  if (form === 'task-row')
    return html`<div class="muted last-urge">${plainDate(last.sentAt, now, tz)}督办过${read}</div>`;
  if (form === 'row')
    return html`<div class="muted last-urge">
      ${plainDate(last.sentAt, now, tz)}督办，之后${since}${read}
    </div>`;
  const who = last.byLabel || (last.by ? personName(names, last.by) : '');
  return html`<div class="muted last-urge" id="last-urge">
      上次督办：${plainDateTime(last.sentAt, now, tz)}${who ? `，${who}` : ''}；之后${since}
    </div>
    ${readers ? html`<div class="muted urge-readers" id="urge-readers">${readersText(readers, names)}</div>` : ''}`;
}

/**
 * The readers the page names (the first READERS_NAMED), each with the chats the 督办 went to: someone
 * the people table does not know is named as those chats' members in Lark name them.
 */
export function readersInChats(readers: UrgeReaders | undefined, last: LastUrge | undefined): PersonInChat[] {
  const chats = last?.chatIds.length ? last.chatIds : [undefined];
  return (readers?.openIds ?? [])
    .slice(0, READERS_NAMED)
    .flatMap((openId) => chats.map((chatId) => ({ openId, chatId })));
}

/**
 * What the page says when nobody is known to have read it: 「还没有人读」 (Lark answered), 「超过 7 天，
 * 飞书不再提供已读情况」 (past Lark's 7 days: nothing broken), else 「已读情况查不到」 (refused, failed, slow).
 */
export const PAST_RECEIPTS_TEXT = '超过 7 天，飞书不再提供已读情况';
function noReaderText(readers: UrgeReaders): string {
  if (readers.complete) return '还没有人读';
  return readers.pastReceipts ? PAST_RECEIPTS_TEXT : '已读情况查不到';
}

/**
 * 「已读：李四、王五」, 「还没有人读」, 「超过 7 天，飞书不再提供已读情况」, or 「已读情况查不到」 when Lark
 * could not tell (and nobody is known).
 */
export function readersText(readers: UrgeReaders, names: ReadonlyMap<string, string>): string {
  const { openIds } = readers;
  if (openIds.length === 0) return noReaderText(readers);
  const named = openIds
    .slice(0, READERS_NAMED)
    .map((id) => personName(names, id))
    .join('、');
  return openIds.length > READERS_NAMED ? `已读：${named} 等 ${openIds.length} 人` : `已读：${named}`;
}

/** A row's short form: 「已读 3 人」 or noReaderText's (the village page names them). */
export function readersCount(readers: UrgeReaders): string {
  const n = readers.openIds.length;
  if (n === 0) return noReaderText(readers);
  return `已读 ${n} 人`;
}

/**
 * The last 督办 as far as it concerned this task: pressed for the whole village (its overdue tasks,
 * this one among them only when it was due before the 督办 went out) or for this very task; else none.
 * A 督办 of one task said 「督办过」 on the village's other 逾期 rows and 「上次督办」 on their task pages.
 */
export function urgeOfTask(
  last: LastUrge | undefined,
  task: { taskId: number; dueAt: Date },
): LastUrge | undefined {
  if (!last || (last.taskId !== null && last.taskId !== task.taskId)) return undefined;
  return task.dueAt < last.sentAt ? last : undefined;
}
