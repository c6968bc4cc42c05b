import { listConfirmCandidates } from '../../db/repos/archive-items.js';
import { listPhotoGroupGaps } from '../../db/repos/archive-descriptions.js';
import { listSubtreeUnits } from '../../db/repos/units.js';
import { RETENTION_LABELS } from '../../domain/checklist.js';
import { GAP_LABELS } from '../../domain/photo-description.js';
import type { PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { yearParam } from './compilation-view.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { listPager } from './list-pages.js';
import { crumbs, visibleUnit } from './unit-view.js';

/** 件 a page lists. */
const PAGE_SIZE = 100;

const positive = (v: unknown): number | undefined =>
  typeof v === 'string' && /^[1-9]\d{0,8}$/.test(v) ? Number(v) : undefined;

/**
 * GET /units/:id/unconfirmed?year[&task][&gaps=1][&page] — 待确认归档: the 件 确认归档 would number now
 * (the preview card's set: live, no live 档号, of the year's tasks in the unit's subtree, or one task's),
 * in the catalogue's order, each with its village, task and what its photo group still lacks by the
 * card's own rule (事由, 地点, 人物). The preview card's 逐项查看 opens it (it opened the progress page,
 * which lists no 件); `gaps=1`: only those lacking a description, its 「N组照片还没有写说明」.
 */
export async function unconfirmedPage(c: PageContext): Promise<void> {
  const { db } = c.deps;
  const unit = await visibleUnit(c, c.params.id!);
  const year = yearParam(c);
  const taskId = positive(c.koa.query.task);
  const onlyGaps = c.koa.query.gaps === '1';
  const pageNo = positive(c.koa.query.page) ?? 1;
  const [cands, gapRows, units] = await Promise.all([
    listConfirmCandidates(db, { unitPath: unit.path, year, ...(taskId ? { taskId } : {}) }),
    listPhotoGroupGaps(db, { unitPath: unit.path, year }),
    listSubtreeUnits(db, unit),
  ]);
  const gaps = new Map(gapRows.map((g) => [g.itemId, g.gaps.map((x) => GAP_LABELS[x]).join('、')]));
  const nameOf = new Map(units.map((u) => [u.id, u.name]));
  const listed = onlyGaps ? cands.filter((x) => gaps.has(x.itemId)) : cands;
  const first = (pageNo - 1) * PAGE_SIZE;
  const shown = listed.slice(first, first + PAGE_SIZE);
  const query = (p?: number, withGaps = onlyGaps) =>
    `/units/${unit.id}/unconfirmed?year=${year}${taskId ? `&task=${taskId}` : ''}${withGaps ? '&gaps=1' : ''}${p && p > 1 ? `&page=${p}` : ''}`;
  const pager = listPager('unconfirmed', {
    first: first + 1,
    shown: shown.length,
    total: listed.length,
    firstUrl: query(),
    nextUrl: query(pageNo + 1),
  });
  const classes = new Map<string, number>();
  for (const x of cands) {
    const key = `${x.taskClass} · 保管期限${RETENTION_LABELS[x.retention]}`;
    classes.set(key, (classes.get(key) ?? 0) + 1);
  }
  const missing = cands.filter((x) => gaps.has(x.itemId)).length;
  const title = `${unit.name} ${year} 年度待确认归档`;
  const body = html`${await crumbs(c, unit.path, '待确认归档')}
    <h1>${title}</h1>
    <div class="card" id="unconfirmed-sum">
      共 ${cands.length}
      件${classes.size > 0 ? '：' : ''}${[...classes].map(([k, n]) => `${k} ${n} 件`).join('；')}
      ${
        missing > 0
          ? html`<br />其中
              <a id="unconfirmed-gaps" href="${query(1, true)}">${missing} 组照片还没有写说明</a>`
          : ''
      }
      ${onlyGaps ? html`<br /><a id="unconfirmed-all" href="${query(1, false)}">看全部</a>` : ''}
    </div>
    ${pager.range}
    ${
      shown.length === 0
        ? html`<div class="card muted">${onlyGaps ? '没有缺说明的照片组。' : '没有待确认的材料。'}</div>`
        : html`<table id="unconfirmed">
            <tr>
              <th>单位</th>
              <th>任务</th>
              <th>题名</th>
              <th>缺</th>
            </tr>
            ${shown.map(
              (x) =>
                html`<tr data-item="${x.itemId}">
                  <td>${nameOf.get(x.unitId) ?? ''}</td>
                  <td><a href="/tasks/${x.taskId}">#${x.taskCode}</a></td>
                  <td><a href="/items/${x.itemId}">${x.title}</a></td>
                  <td class="bad">${gaps.get(x.itemId) ?? ''}</td>
                </tr>`,
            )}
          </table>`
    }
    ${pager.more}`;
  page(c.koa, 200, layout(title, c.viewer, body));
}
