import { plainDay } from '../../domain/plain-date.js';
import { chronicleOf, saveChronicleEntry, type ChronicleEntry } from '../../db/repos/compilations.js';
import { holdsRole, NotFound, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { messagePage } from './layout.js';
import { EDIT_ROLES, yearParam } from './compilation-view.js';
import { html, type Html } from './html.js';
import { filesText } from './format.js';
import { layout } from './layout.js';
import { crumbs, visibleUnit } from './unit-view.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_EVENT = 500;

/**
 * GET /units/:id/chronicle?year — 大事记: one line per filed item (date, event, unit, the photos and
 * documents behind it) with archivists' edits; archivists edit, hide and add lines; 打印 prints A4.
 */
export async function chroniclePage(c: PageContext): Promise<void> {
  const unit = await visibleUnit(c, c.params.id!);
  const year = yearParam(c);
  const editor = holdsRole(c.viewer, unit.path, EDIT_ROLES);
  const entries = (await chronicleOf(c.deps.db, unit, year, c.deps.timeZone)).filter(
    (e) => editor || !e.hidden,
  );
  const base = `/units/${unit.id}/chronicle`;
  const body = html`${await crumbs(c, unit.path, '大事记')}
    <h1>${unit.name} ${year} 年大事记</h1>
    <p class="noprint">
      <a href="${base}?year=${year - 1}">‹ ${year - 1}</a> ·
      <a href="${base}?year=${year + 1}">${year + 1} ›</a> ·
      <a href="/units/${unit.id}/album?year=${year}">图册</a> ·
      <button type="button" class="sec" onclick="window.print()">打印</button>
    </p>
    <div class="scroll">
      <table id="chronicle">
        <tr>
          <th>日期</th>
          <th>事件</th>
          <th class="hide">单位</th>
          <th class="noprint">材料</th>
        </tr>
        ${entries.map((e) => row(c, e, editor, unit.id, year))}
      </table>
    </div>
    ${entries.length === 0 ? html`<div class="card muted">这一年还没有归档的材料。</div>` : ''}
    ${editor ? addForm(c, unit.id, year) : ''}`;
  page(c.koa, 200, layout(`${unit.name} ${year} 年大事记`, c.viewer, body));
}

function row(c: PageContext, e: ChronicleEntry, editor: boolean, unitId: number, year: number): Html {
  const material = e.itemId
    ? html`<a href="/items/${e.itemId}"
        >${e.thumbMaterialId ? html`<img src="/thumbs/${e.thumbMaterialId}" alt="" width="48" height="48" style="object-fit:cover;vertical-align:middle" />` : ''}
        ${filesText(e.files)}</a
      >`
    : '';
  return html`<tr class="${e.hidden ? 'noprint muted' : ''}" data-item="${e.itemId ?? ''}">
    <td>${plainDay(e.day, `${year}-01-01`)}</td>
    <td>
      ${e.event}${e.archivalCode ? html` <span class="muted">（${e.archivalCode}）</span>` : ''}${e.hidden ? html` <span class="muted">已隐藏</span>` : ''}
      ${editor ? editForm(c, e, unitId, year) : ''}
    </td>
    <td class="hide">${e.unitName}</td>
    <td class="noprint">${material}</td>
  </tr>`;
}

function editForm(c: PageContext, e: ChronicleEntry, unitId: number, year: number): Html {
  return html`<details class="noprint">
    <summary class="muted">编辑</summary>
    <form method="post" action="/units/${unitId}/chronicle" class="filters">
      <input type="hidden" name="_csrf" value="${c.viewer.csrf}" /><input
        type="hidden"
        name="year"
        value="${year}"
      />
      <input type="hidden" name="item" value="${e.itemId ?? ''}" /><input
        type="hidden"
        name="entry"
        value="${e.entryId ?? ''}"
      />
      <input type="date" name="day" value="${e.day}" required /><input
        name="event"
        value="${e.event}"
        maxlength="${MAX_EVENT}"
        required
        style="flex:1"
      />
      <label><input type="checkbox" name="hidden" value="1" ${e.hidden ? html` checked` : ''} /> 隐藏</label
      ><button type="submit">保存</button>
    </form>
  </details>`;
}

function addForm(c: PageContext, unitId: number, year: number): Html {
  return html`<h2 class="noprint">添加一条</h2>
    <form method="post" action="/units/${unitId}/chronicle" class="card filters noprint" id="chronicle-add">
      <input type="hidden" name="_csrf" value="${c.viewer.csrf}" /><input
        type="hidden"
        name="year"
        value="${year}"
      />
      <input type="date" name="day" required /><input
        name="event"
        maxlength="${MAX_EVENT}"
        required
        placeholder="事件"
        style="flex:1"
      />
      <button type="submit">添加</button>
    </form>`;
}

/** POST /units/:id/chronicle (CSRF-checked): an archivist saves an entry's date/wording/hidden, or adds one. */
export async function chronicleSave(c: PageContext): Promise<void> {
  const unit = await visibleUnit(c, c.params.id!);
  if (!holdsRole(c.viewer, unit.path, EDIT_ROLES)) {
    return page(c.koa, 403, messagePage('不能编辑', '只有档案员或管理员可以编辑大事记。', c.viewer));
  }
  const f = c.form;
  const year = Number(f.year);
  const day = f.day ?? '';
  const event = (f.event ?? '').trim();
  const itemId = f.item ? Number(f.item) : null;
  const back = `/units/${unit.id}/chronicle?year=${year}`;
  if (
    !/^\d{4}$/.test(f.year ?? '') ||
    !DAY.test(day) ||
    !day.startsWith(`${year}-`) ||
    !event ||
    event.length > MAX_EVENT
  ) {
    return page(
      c.koa,
      400,
      messagePage(
        '没有保存',
        `日期要在 ${f.year ?? ''} 年内，事件不能为空（最多 ${MAX_EVENT} 字）。`,
        c.viewer,
        back,
      ),
    );
  }
  if (itemId !== null) {
    // Only items of this chronicle can be edited (same scope as the page).
    const entries = await chronicleOf(c.deps.db, unit, year, c.deps.timeZone);
    if (!Number.isSafeInteger(itemId) || !entries.some((e) => e.itemId === itemId)) throw new NotFound();
  }
  await saveChronicleEntry(
    c.deps.db,
    { unitId: unit.id, year, itemId, day, event, hidden: f.hidden === '1' },
    c.viewer.openId,
    c.deps.clock.now(),
  );
  c.koa.redirect(back);
}
