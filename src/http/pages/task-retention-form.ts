import { taskProgress } from '../../db/repos/completeness.js';
import { taskRetentionOf } from '../../db/repos/task-retention.js';
import { getUnitById } from '../../db/repos/units.js';
import { RETENTION_LABELS, type Retention } from '../../domain/checklist.js';
import { setTaskRetention } from '../../usecases/set-task-retention.js';
import { holdsRole, NotFound, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { EDIT_ROLES } from './compilation-view.js';
import { html, type Html } from './html.js';
import { layout, messagePage } from './layout.js';
import { visibleUnit } from './unit-view.js';

const RETENTIONS = Object.keys(RETENTION_LABELS) as Retention[];

/** The units a change may cover: the task's unit and each above it the viewer archives (widest last). */
async function scopesOf(c: PageContext, unitPath: string): Promise<{ id: number; name: string }[]> {
  const ids = unitPath.split('/').filter(Boolean).map(Number).reverse();
  const out: { id: number; name: string }[] = [];
  for (const id of ids) {
    const u = await getUnitById(c.deps.db, id);
    if (u && holdsRole(c.viewer, u.path, EDIT_ROLES)) out.push({ id: u.id, name: u.name });
  }
  return out;
}

/**
 * The task page's 保管期限 line, and for its archivists and admins the form that corrects it (before,
 * only `archive retention` on the server could): the checklist item's tasks of the year, in this
 * village alone or in every unit below one the archivist holds (the county archive signed off another
 * period); refused while any of them holds a live 档号 (the 保管期限 is part of it), as on the CLI.
 */
export async function retentionLine(c: PageContext, taskId: number, unitPath: string): Promise<Html> {
  const r = await taskRetentionOf(c.deps.db, taskId);
  if (!r) return html``;
  const scopes = await scopesOf(c, unitPath);
  if (scopes.length === 0)
    return html`<dt>保管期限</dt>
      <dd id="task-retention">${RETENTION_LABELS[r.retention]}</dd>`;
  return html`<dt>保管期限</dt>
    <dd id="task-retention">
      ${RETENTION_LABELS[r.retention]}
      <form class="inline" method="post" action="/tasks/${taskId}/retention" id="retention-form">
        <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
        <select name="to">
          ${RETENTIONS.map(
            (k) =>
              html`<option value="${k}" ${k === r.retention ? 'selected' : ''}>
                ${RETENTION_LABELS[k]}
              </option>`,
          )}
        </select>
        <select name="scope">
          ${scopes.map(
            (s, i) =>
              html`<option value="${s.id}">
                ${i === 0 ? `只改${s.name}` : `${s.name}全部的 ${r.itemCode}`}
              </option>`,
          )}
        </select>
        <button type="submit" class="sec">改保管期限</button>
      </form>
    </dd>`;
}

/** POST /tasks/:id/retention (CSRF-checked): `setTaskRetention` over the chosen unit, source `page`. */
export async function taskRetention(c: PageContext): Promise<void> {
  const task = await taskProgress(c.deps.db, c.params.id!);
  if (!task) throw new NotFound();
  const unit = await visibleUnit(c, task.unitId);
  const back = `/tasks/${task.taskId}`;
  const answer = (status: number, title: string, text: string) =>
    page(c.koa, status, messagePage(title, text, c.viewer, back, '返回任务'));
  const facts = await taskRetentionOf(c.deps.db, task.taskId);
  const to = c.form.to as Retention;
  const scopeId = Number(c.form.scope);
  // Only the task's unit or one above it that the viewer archives (a forged scope is refused).
  const scope = (await scopesOf(c, unit.path)).find((s) => s.id === scopeId);
  if (!facts || !RETENTIONS.includes(to) || !scope)
    return answer(403, '不能修改', '只有本单位或上级单位的档案员、管理员可以修改保管期限。');
  const outcome = await setTaskRetention(
    { db: c.deps.db, clock: c.deps.clock },
    {
      unitId: scope.id,
      year: facts.year,
      itemCode: facts.itemCode,
      retention: to,
      actor: c.viewer.openId,
      source: 'page',
    },
  );
  if (outcome.status === 'changed' || outcome.status === 'unchanged')
    return answer(200, '保管期限', outcome.message);
  page(
    c.koa,
    outcome.status === 'refused' ? 409 : 404,
    layout(
      '不能修改',
      c.viewer,
      html`<h1>不能修改保管期限</h1>
        <div class="card" id="message">
          ${outcome.message.split('\n').map((l, i) => (i === 0 ? html`${l}` : html`<br />${l}`))}
        </div>
        <p><a id="back" href="${back}">返回任务</a></p>`,
    ),
  );
}
