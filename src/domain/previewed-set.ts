import { createHash } from 'node:crypto';

/**
 * What a 确认归档 preview showed, carried by its button to the job that numbers: how many 件 (`n`),
 * the highest item id among them (`m`: a 件 filed after the preview has a higher one) and a
 * fingerprint of the set as shown (`h`: each 件 with its task and the class it would be numbered in).
 */
export interface PreviewedSet {
  n: number;
  m: number;
  h: string;
}

/** The fields of a confirmation candidate that the preview's counts and classes rest on. */
export interface ShownCandidate {
  itemId: number;
  taskId: number;
  unitId: number;
  kind: string;
  taskClass: string;
  retention: string;
  year: number;
}

const lineOf = (c: ShownCandidate) =>
  [c.itemId, c.taskId, c.unitId, c.kind, c.taskClass, c.retention, c.year].join('|');

export function previewedSetOf(cands: readonly ShownCandidate[]): PreviewedSet {
  const lines = cands.map(lineOf).sort();
  return {
    n: cands.length,
    m: cands.reduce((max, c) => Math.max(max, c.itemId), 0),
    h: createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16),
  };
}

/**
 * The candidates as they stand now against what the preview showed: `shown`, those it could have
 * shown (not filed after it), and `later`, those filed after it. `same`: `shown` is exactly the set
 * the preview showed, each 件 in the same task and class (none refiled, taken off, confirmed from
 * elsewhere or taken back from a confirmation since).
 */
export function againstPreview<T extends ShownCandidate>(
  cands: readonly T[],
  p: PreviewedSet,
): { shown: T[]; later: T[]; same: boolean } {
  const shown = cands.filter((c) => c.itemId <= p.m);
  const later = cands.filter((c) => c.itemId > p.m);
  const now = previewedSetOf(shown);
  return { shown, later, same: now.n === p.n && now.h === p.h };
}
