/**
 * 参见号 (DA/T 50; GB/T 11821): the 档号 of related records in other 门类. Records filed against the
 * same task are one piece of work (the minutes, the sign-in sheet, the photos and the recording of
 * one meeting), so a record refers to the live records of the same task in other 门类: those of
 * the same day (its earliest capture); when there are none that day, those of the one other day the
 * task's other records fall on (minutes typed up after the meeting); when they fall on several
 * other days (a task repeated through the year, e.g. monthly meetings), none rather than a guess.
 */
import type { ItemKind } from './archival-code.js';

export interface RelatedRecord {
  itemId: number;
  taskId: number;
  kind: ItemKind;
  archivalCode: string;
  /** Local day of its earliest capture (YYYYMMDD). */
  day: string;
}

export function seeAlsoOf(
  r: Pick<RelatedRecord, 'itemId' | 'taskId' | 'kind' | 'day'>,
  candidates: RelatedRecord[],
): string[] {
  const others = candidates.filter(
    (c) => c.taskId === r.taskId && c.itemId !== r.itemId && c.kind !== r.kind,
  );
  const sameDay = others.filter((c) => c.day === r.day);
  const chosen = sameDay.length > 0 ? sameDay : new Set(others.map((c) => c.day)).size === 1 ? others : [];
  return [...new Set(chosen.map((c) => c.archivalCode))].sort();
}
