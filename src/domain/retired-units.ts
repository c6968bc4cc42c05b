import { plainDate } from './plain-date.js';

/** A retired unit (撤并) as the progress views name it: its name, the day, what it merged into. */
export interface RetiredUnitView {
  unit: { name: string };
  at: Date;
  into: { name: string } | null;
}

/** 「10月9日并入城关村」 or 「10月9日撤销」 (the year only when it is not this one). */
export function retirementWords(r: Omit<RetiredUnitView, 'unit'>, now: Date, timeZone: string): string {
  const day = plainDate(r.at, now, timeZone);
  return r.into ? `${day}并入${r.into.name}` : `${day}撤销`;
}

/**
 * The one line that names a unit's retired children apart from its ranked, counted ones:
 * 「已撤并：河口村（10月9日并入城关村）、…」. A leader reads a merged village (its tasks waived) as
 * merged, not as one that finished.
 */
export function retiredChildrenLine(retired: RetiredUnitView[], now: Date, timeZone: string): string {
  return `已撤并：${retired.map((r) => `${r.unit.name}（${retirementWords(r, now, timeZone)}）`).join('、')}`;
}
