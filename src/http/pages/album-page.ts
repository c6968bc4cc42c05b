import { plainDay } from '../../domain/plain-date.js';
import { zonedInstant } from '../../domain/working-days.js';
import { albumOf, type AlbumGroup } from '../../db/repos/compilations.js';
import type { PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { yearParam } from './compilation-view.js';
import { dateTime } from './format.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';
import { crumbs, visibleUnit } from './unit-view.js';

/**
 * GET /units/:id/album?year — 图册: the year's photo groups with their DA/T 50 descriptions (事由,
 * 时间, 地点, 人物, 摄影者, 档号), two photos a row, laid out for A4 by the print style sheet (the
 * browser prints it or saves a PDF: no PDF engine or CJK font on the server).
 */
export async function albumPage(c: PageContext): Promise<void> {
  const unit = await visibleUnit(c, c.params.id!);
  const year = yearParam(c);
  const groups = await albumOf(c.deps.db, unit, year, c.deps.timeZone);
  const base = `/units/${unit.id}/album`;
  const body = html`${await crumbs(c, unit.path, '图册')}
    <h1>${unit.name} ${year} 年图册</h1>
    <p class="noprint">
      <a href="${base}?year=${year - 1}">‹ ${year - 1}</a> ·
      <a href="${base}?year=${year + 1}">${year + 1} ›</a> ·
      <a href="/units/${unit.id}/chronicle?year=${year}">大事记</a> ·
      <button type="button" class="sec" onclick="window.print()">打印</button>
      <span class="muted">共 ${groups.length} 组</span>
    </p>
    <div id="album">${groups.map((g) => group(g, c.deps.timeZone, year))}</div>
    ${groups.length === 0 ? html`<div class="card muted">这一年还没有归档的照片组。</div>` : ''}`;
  page(c.koa, 200, layout(`${unit.name} ${year} 年图册`, c.viewer, body));
}

/** Dates as the cards write them (「3月5日」), the year left to the heading when it is the album's. */
function group(g: AlbumGroup, tz: string, year: number): Html {
  const inYear = zonedInstant(`${year}-07-01`, '12:00', tz);
  const line = (label: string, v: string | null) =>
    v
      ? html`<dt>${label}</dt>
          <dd>${v}</dd>`
      : '';
  const taken = g.photos.find((p) => p.takenAt)?.takenAt;
  return html`<section class="card group" data-item="${g.itemId}">
    <h2>${plainDay(g.day, `${year}-01-01`)} ${g.title}</h2>
    <div class="photos">
      ${g.photos.map(
        (p) => html`<figure><img src="/files/${p.id}?inline=1" alt="${g.title}" loading="lazy" /></figure>`,
      )}
    </div>
    <dl>
      ${line('事由', g.reason ?? '（未填写）')}${line('时间', taken ? dateTime(taken, inYear, tz) : plainDay(g.day, `${year}-01-01`))}${line('地点', g.place)}${line('人物', g.people)}${line('摄影者', g.photographer)}${line('单位', g.unitName)}${line('档号', g.archivalCode)}
    </dl>
    <p class="noprint"><a href="/items/${g.itemId}">查看</a></p>
  </section>`;
}
