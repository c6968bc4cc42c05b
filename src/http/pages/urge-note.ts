import type { LastUrge } from '../../db/repos/urge-history.js';
import { personName } from '../../domain/person-name.js';
import { plainDate, plainDateTime } from '../../domain/plain-date.js';
import { html, type Html } from './html.js';

/**
 * What came of the last 督办 that reached the unit's chat, so a leader sees it on later days too (the
 * page said only 「今天已督办」, and nothing from the next day on): `full` (the village's own figures,
 * the task page) — 「上次督办：12月3日 09:05，城关镇领导 张三；之后提交了 2 件」; short (a row) —
 * 「12月3日督办，之后提交 2 件」, or for a task row 「12月3日督办过」 (the row still lists it: still missing).
 */
export function lastUrgeNote(
  last: LastUrge | undefined,
  now: Date,
  tz: string,
  form: 'full' | 'row' | 'task-row',
  names: ReadonlyMap<string, string> = new Map(),
): Html | string {
  if (!last) return '';
  const since = last.filedSince > 0 ? `提交了 ${last.filedSince} 件` : '还没有提交';
  if (form === 'task-row')
    return html`<div class="muted last-urge">${plainDate(last.sentAt, now, tz)}督办过</div>`;
  if (form === 'row')
    return html`<div class="muted last-urge">${plainDate(last.sentAt, now, tz)}督办，之后${since}</div>`;
  const who = last.byLabel || (last.by ? personName(names, last.by) : '');
  return html`<div class="muted last-urge" id="last-urge">
    上次督办：${plainDateTime(last.sentAt, now, tz)}${who ? `，${who}` : ''}；之后${since}
  </div>`;
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
