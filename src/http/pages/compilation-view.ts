import { localDay } from '../../domain/working-days.js';
import type { PageContext } from '../web-context.js';

/** `?year=2026`, else the current local year. */
export function yearParam(c: PageContext): number {
  const y = c.koa.query.year;
  if (typeof y === 'string' && /^(19|20)\d{2}$/.test(y)) return Number(y);
  return Number(localDay(c.deps.clock.now(), c.deps.timeZone).slice(0, 4));
}

export const EDIT_ROLES = ['archivist', 'admin'] as const;
