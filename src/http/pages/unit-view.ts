import { getUnitById, pathIds, type UnitRow } from '../../db/repos/units.js';
import { canSee, NotFound, type PageContext } from '../web-context.js';
import { html, type Html } from './html.js';

/** The unit, if it exists and the viewer may see it; NotFound (404) otherwise. */
export async function visibleUnit(c: PageContext, id: number): Promise<UnitRow> {
  const unit = await getUnitById(c.deps.db, id);
  if (!unit || !canSee(c.viewer, unit.path)) throw new NotFound();
  return unit;
}

/** Breadcrumbs: the units above `path` that the viewer may open, then `last`. */
export async function crumbs(c: PageContext, path: string, last?: Html | string): Promise<Html> {
  const units = await Promise.all(pathIds(path).map((id) => getUnitById(c.deps.db, id)));
  const links: Html[] = [];
  for (const u of units) {
    if (u && canSee(c.viewer, u.path)) links.push(html`<a href="/units/${u.id}">${u.name}</a>`);
  }
  if (last !== undefined) links.push(html`<span>${last}</span>`);
  return html`<div class="crumbs">${links.map((l, i) => (i === 0 ? l : html` › ${l}`))}</div>`;
}

export const bar = (pct: number | null): Html =>
  html`<div class="bar"><i style="width:${Math.max(0, Math.min(100, pct ?? 0)).toFixed(1)}%"></i></div>`;
