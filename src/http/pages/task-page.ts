import { taskProgress } from '../../db/repos/completeness.js';
import { itemsOfTask } from '../../db/repos/page-items.js';
import { urgeStates } from '../../db/repos/page-unit.js';
import { ownersOfTasks } from '../../db/repos/reminder-candidates.js';
import { holdsRole, NotFound, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { daysOverdue } from '../../domain/working-days.js';
import { STATE_LABEL } from './format.js';
import { plainDate } from '../../domain/plain-date.js';
import { html } from './html.js';
import { itemList, withFilerNames } from './item-list.js';
import { layout } from './layout.js';
import { crumbs, visibleUnit } from './unit-view.js';
import { URGE_ROLES } from '../../domain/units-people.js';
import { urgeButton, urgeTiming } from './unit-page.js';
import { missingText } from '../../domain/checklist-task-state.js';
import { personName } from '../../domain/person-name.js';
import { lastUrges } from '../../db/repos/urge-history.js';
import { lastUrgeNote, readersInChats, urgeOfTask } from './urge-note.js';
import { retentionLine } from './task-retention-form.js';

/**
 * GET /tasks/:id — what the task asks for, what is filed (「已提交」: the glossary's word for an officer's
 * filing; 归档 is the archivist's 确认归档), owners, due date, 督办 when overdue.
 */
export async function taskPage(c: PageContext): Promise<void> {
  const { db, clock, timeZone } = c.deps;
  const task = await taskProgress(db, c.params.id!);
  if (!task) throw new NotFound();
  const unit = await visibleUnit(c, task.unitId);
  const now = clock.now();
  // Filers nobody registered named from their chat's members, while the rest of the page is read.
  const itemsRead = itemsOfTask(db, task.taskId).then((list) => withFilerNames(c.deps, list));
  // 负责人: who answers for it now, as the digest and reminders name them (not someone who has left).
  const owners = (await ownersOfTasks(db, [task.taskId])).get(task.taskId) ?? [];
  // The last 督办 of the village that reached its chat, and what this task got since.
  const lastUrged = urgeOfTask((await lastUrges(db, [unit.id], task.taskId)).get(unit.id), task);
  // Who in the village read that 督办 (Lark's read receipts; a short wait at most).
  const readers = lastUrged ? await c.deps.urgeReaders(lastUrged) : undefined;
  // Readers nobody registered are named as the 督办's chats know them (Lark's member lists, a short wait).
  const names = await c.deps.chatMemberNames([
    ...owners.map((openId) => ({ openId })),
    ...(lastUrged?.by && !lastUrged.byLabel ? [{ openId: lastUrged.by }] : []),
    ...readersInChats(readers, lastUrged),
  ]);
  const items = await itemsRead;
  const overdue = task.state !== 'complete' && task.state !== 'waived' && task.dueAt < now;
  const { urgeDay, later } = urgeTiming(c, now);
  const urged = (await urgeStates(db, [unit.id], urgeDay)).of(unit.id, task.taskId);
  const body = html`${await crumbs(c, unit.path, `${task.code} ${task.title}`)}
    <h1>${task.code} ${task.title}</h1>
    <div class="card">
      <dl>
        <dt>单位</dt>
        <dd>
          <a href="/units/${unit.id}">${unit.name}</a>${task.householdName ? ` · ${task.householdName}` : ''}
        </dd>
        <dt>状态</dt>
        <dd id="task-state">
          ${STATE_LABEL[task.state] ?? task.state}（已交 ${task.filed} / 应交
          ${task.minCount}）${
            task.missing > 0 ? html` · <span class="bad">${missingText(task.kinds, task.missing)}</span>` : ''
          }
        </dd>
        <dt>截止</dt>
        <dd>
          ${plainDate(task.dueAt, now, timeZone)}${
            overdue ? html` <span class="bad">逾期 ${daysOverdue(task.dueAt, now, timeZone)} 天</span>` : ''
          }
        </dd>
        <dt>负责人</dt>
        <dd>${owners.map((r) => personName(names, r)).join('、') || '—'}</dd>
        ${await retentionLine(c, task.taskId, unit.path)}
      </dl>
      ${overdue && holdsRole(c.viewer, unit.path, URGE_ROLES) ? html`<p>${urgeButton(c, unit.id, urged, task.taskId, later)}</p>` : ''}
      ${lastUrgeNote(lastUrged, now, timeZone, 'full', names, readers)}
    </div>
    <h2>已提交（${items.length}）</h2>
    ${items.length > 0 ? itemList(items, timeZone, now) : html`<div class="card muted">还没有提交的材料。</div>`}`;
  page(c.koa, 200, layout(task.title, c.viewer, body));
}
