import { countFiltered, searchItems } from '../../db/repos/page-search.js';
import { getUnitById } from '../../db/repos/units.js';
import { canSee, NotFound, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { html } from './html.js';
import { itemList, withFilerNames } from './item-list.js';
import { layout, messagePage } from './layout.js';
import { qualityPeriod } from './quality-period.js';
import { crumbs } from './unit-view.js';
import { localDay } from '../../domain/working-days.js';

export const MAX_QUERY_CHARS = 200;
const MAX_TERMS = 8;
const LIMIT = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const KINDS: Record<string, string> = {
  photo_group: '照片组',
  document: '文件',
  audio: '录音',
  video: '视频',
};

const one = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '');

/**
 * GET /search?q&unit&kind&class&from&to — items in the viewer's units; filters narrow it. Newest first, 50
 * a page; 更早的 › (`before`: the last item shown) opens the next 50.
 */
export async function searchPage(c: PageContext): Promise<void> {
  const q = c.koa.query;
  const text = one(q.q).trim();
  if (text.length > MAX_QUERY_CHARS) {
    return page(
      c.koa,
      400,
      messagePage('搜索词太长', `搜索词最多 ${MAX_QUERY_CHARS} 个字，请缩短后再搜。`, c.viewer, '/search'),
    );
  }
  const terms = text.split(/\s+/).filter(Boolean).slice(0, MAX_TERMS);
  const unitId = one(q.unit);
  let paths = c.viewer.roots.map((r) => r.path);
  let chosen: { id: number; name: string; path: string } | undefined;
  if (unitId) {
    const unit = /^[1-9][0-9]{0,14}$/.test(unitId) ? await getUnitById(c.deps.db, Number(unitId)) : undefined;
    if (!unit || !canSee(c.viewer, unit.path)) throw new NotFound();
    paths = [unit.path];
    chosen = unit;
  }
  const kind = KINDS[one(q.kind)] ? one(q.kind) : undefined;
  const taskClass = one(q.class).slice(0, 50) || undefined;
  const from = DAY.test(one(q.from)) ? one(q.from) : undefined;
  const to = DAY.test(one(q.to)) ? one(q.to) : undefined;
  const searched = terms.length > 0 || !!kind || !!taskClass || !!from || !!to;
  // The next page: items older than the last one shown (the digest's 新提交 of a county is often more than a page).
  const before = /^[1-9][0-9]{0,14}$/.test(one(q.before)) ? Number(one(q.before)) : undefined;
  const filtersOnly = { paths, kind, taskClass, from, to, timeZone: c.deps.timeZone };
  // By filters alone (the digest's 查看上周提交): how many in all, in 件 and 份 as the card counts them —
  // its 「上周提交 23 份」 opened a list that said only 「共 7 条」, or 「前 50 条」 past a page.
  const [hits, total] = await Promise.all([
    searched
      ? searchItems(c.deps.db, { ...filtersOnly, terms, limit: LIMIT + 1, beforeId: before })
      : Promise.resolve([]),
    searched && terms.length === 0 ? countFiltered(c.deps.db, filtersOnly) : undefined,
  ]);
  // The page's items with their filers named (from their chats' members when nobody registered them).
  const shown = await withFilerNames(c.deps, hits.slice(0, LIMIT));
  const more = hits.length > LIMIT ? new URLSearchParams(c.koa.querystring) : undefined;
  more?.set('before', String(hits[LIMIT - 1]!.id));
  // The unit menu lists the viewer's units; a unit below them (a village's 在本单位搜索) is added to it,
  // chosen, so searching again from the form stays in that unit instead of widening to all of them.
  const units =
    chosen && !c.viewer.roots.some((r) => r.id === chosen.id) ? [...c.viewer.roots, chosen] : c.viewer.roots;
  // Opened for a unit (the digest's 查看上周提交, a unit's 在本单位搜索): the way back up to it, and what
  // the list is — the unit, and the days when given (「第49周（11月30日—12月6日）」, as the digest names them).
  const days =
    from && to ? qualityPeriod(q, c.deps.timeZone, localDay(c.deps.clock.now(), c.deps.timeZone)) : undefined;
  const scope = [chosen?.name, days?.period ? days.label : undefined].filter(Boolean).join(' · ');
  const body = html`${chosen ? await crumbs(c, chosen.path, '搜索') : ''}
    <h1>搜索</h1>
    ${scope ? html`<p id="search-scope">${scope}</p>` : ''}
    <form class="card filters" method="get" action="/search" id="search-form">
      <input
        type="search"
        name="q"
        value="${text}"
        placeholder="标题、文号、档号、说明、发送人、单位、任务、日期"
        maxlength="${MAX_QUERY_CHARS}"
        style="flex:1;min-width:12em"
      />
      <select name="kind">
        <option value="">全部类型</option>
        ${Object.entries(KINDS).map(
          ([k, label]) => html`<option value="${k}" ${k === kind ? html` selected` : ''}>${label}</option>`,
        )}
      </select>
      ${
        units.length > 1
          ? html`<select name="unit">
              <option value="">全部单位</option>
              ${units.map((u) => html`<option value="${u.id}" ${String(u.id) === unitId ? html` selected` : ''}>${u.name}</option>`)}
            </select>`
          : unitId
            ? html`<input type="hidden" name="unit" value="${unitId}" />`
            : ''
      }
      <input name="class" value="${taskClass ?? ''}" placeholder="门类/类别" style="width:7em" />
      <label>从 <input type="date" name="from" value="${from ?? ''}" /></label
      ><label>到 <input type="date" name="to" value="${to ?? ''}" /></label>
      <button type="submit">搜索</button>
    </form>
    ${
      searched
        ? html`<p class="muted" id="result-count">
              ${
                total
                  ? before
                    ? `更早的 ${Math.min(hits.length, LIMIT)} 件（共 ${total.items} 件）`
                    : `共 ${total.items} 件，${total.materials} 份材料${total.items > LIMIT ? `；先列出最新的 ${LIMIT} 件` : ''}`
                  : before
                    ? `更早的 ${Math.min(hits.length, LIMIT)} 条`
                    : hits.length > LIMIT
                      ? `前 ${LIMIT} 条`
                      : `共 ${hits.length} 条`
              }
            </p>
            ${itemList(shown, c.deps.timeZone, c.deps.clock.now(), (h) => html`<span class="muted">${h.unitName} · <a href="/tasks/${h.taskId}">${h.taskCode} ${h.taskTitle}</a></span>`)}
            ${more ? html`<p><a id="more" href="/search?${more.toString()}">更早的 ›</a></p>` : ''}`
        : html`<p class="muted">输入关键词，或选择类型、日期后搜索。</p>`
    }`;
  page(c.koa, 200, layout('搜索', c.viewer, body));
}
