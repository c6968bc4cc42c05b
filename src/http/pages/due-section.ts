import type { DueTasksPage } from '../../db/repos/page-due-tasks.js';
import { plainDay } from '../../domain/plain-date.js';
import { addDays, zonedInstant } from '../../domain/working-days.js';
import { html, type Html } from './html.js';
import { listPager } from './list-pages.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `?due=YYYY-MM-DD` on a unit page (the weekly digest's 「接下来的截止日期」 lines link there): that
 * local day as [from, to); undefined when absent or not a real day.
 */
export function dueDay(
  query: Record<string, unknown>,
  timeZone: string,
): { day: string; from: Date; to: Date } | undefined {
  const v = query.due;
  const day = typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '';
  if (!DAY.test(day)) return undefined;
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) return undefined;
  return {
    day,
    from: zonedInstant(day, '00:00', timeZone),
    to: zonedInstant(addDays(day, 1), '00:00', timeZone),
  };
}

/** `?due_after=<task id>`: the page of the day's tasks after that one (the 「还有N项」 link's). */
export function dueAfter(query: Record<string, unknown>): number | undefined {
  const v = query.due_after;
  const s = typeof v === 'string' ? v : '';
  return /^[1-9][0-9]{0,14}$/.test(s) ? Number(s) : undefined;
}

/**
 * 「5月12日截止、还没交齐的任务（3）」: each task linked to its page, its unit and what it misses, 50 a
 * page. When more follow, 「还有 N 项，下一页 ›」 opens them (`pageUrl(last task id)`); a later page says
 * which of them it shows and leads back to the first (`pageUrl()`), so no page looks like the whole list.
 */
export function dueSection(
  day: string,
  today: string,
  due: DueTasksPage,
  pageUrl: (after?: number) => string,
): Html {
  const first = due.total - due.more - due.tasks.length + 1;
  const { range, more } = listPager('due', {
    first,
    shown: due.tasks.length,
    total: due.total,
    firstUrl: pageUrl(),
    nextUrl: due.more > 0 ? pageUrl(due.tasks.at(-1)!.taskId) : undefined,
  });
  return html`<h2 id="due">
      ${plainDay(day, today)}截止、还没交齐的任务（<span id="due-count">${due.total}</span>）
    </h2>
    ${range}
    ${
      due.tasks.length === 0
        ? html`<div class="card muted">${first > 1 ? '后面没有了。' : '这一天截止的任务都已交齐。'}</div>`
        : html`<div class="scroll">
              <table id="due-tasks">
                <tr>
                  <th>单位</th>
                  <th>任务</th>
                  <th>缺</th>
                </tr>
                ${due.tasks.map(
                  (t) =>
                    html`<tr>
                      <td><a href="/units/${t.unitId}">${t.unitName}</a></td>
                      <td>
                        <a href="/tasks/${t.taskId}">${t.code} ${t.title}</a
                        >${t.householdName ? html` <span class="muted">${t.householdName}</span>` : ''}
                      </td>
                      <td>${t.missingText}</td>
                    </tr>`,
                )}
              </table>
            </div>
            ${more}`
    }`;
}
