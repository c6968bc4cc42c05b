import type { MaterialKind } from './material-kind.js';

export type KindCounts = Record<MaterialKind, number>;

/** Files of an item whose bytes the task already counts from another copy (recountTaskCopies). */
export interface RepeatedFiles {
  kind: MaterialKind;
  n: number;
  /**
   * The item holding the copy the task counts: its id and place among the task's live items, oldest
   * first (as the task page lists them); null when that copy is in this item itself.
   */
  of: { itemId: number; place: number } | null;
}

/** What an item really holds (its own files, per kind), which of them are repeats, and which refused. */
export interface ItemFiles {
  held: KindCounts;
  repeats: RepeatedFiles[];
  /** Files per kind whose format the archive refuses (materials.format_refused): held, counted nowhere. */
  refused?: Partial<KindCounts>;
}

export const noFiles = (): ItemFiles => ({
  held: { photo: 0, document: 0, audio: 0, video: 0 },
  repeats: [],
});

/**
 * 「（格式不能归档，不计数）」 after a kind's count when all its files are in a format the archive refuses;
 * 「（其中1份格式不能归档，不计数）」 when only some are; '' when none.
 */
function refusedNote(files: ItemFiles, kind: MaterialKind): string {
  const n = files.refused?.[kind] ?? 0;
  if (n <= 0) return '';
  return n === files.held[kind]
    ? '（格式不能归档，不计数）'
    : `（其中${n}${MEASURE[kind]}格式不能归档，不计数）`;
}

const KINDS: MaterialKind[] = ['photo', 'document', 'audio', 'video'];
const MEASURE: Record<MaterialKind, string> = {
  photo: '张',
  document: '份',
  audio: '段',
  video: '段',
};

/**
 * 「（与本任务第1件相同，不重复计数）」 after a kind's count when some of its files repeat a file the
 * task counts elsewhere; 「（其中1张与本任务第2件相同，不重复计数）」 when only some do; '' when none.
 */
export function repeatNote(files: ItemFiles, kind: MaterialKind): string {
  const rs = files.repeats.filter((r) => r.kind === kind && r.n > 0);
  if (rs.length === 0) return '';
  const same = (r: RepeatedFiles) =>
    r.of ? `与本任务第${r.of.place}件相同` : `与本件另一${MEASURE[kind]}相同`;
  if (rs.length === 1 && rs[0]!.n === files.held[kind]) return `（${same(rs[0]!)}，不重复计数）`;
  return `（其中${rs.map((r) => `${r.n}${MEASURE[kind]}${same(r)}`).join('、')}，不重复计数）`;
}

/**
 * Each kind the item holds with its count in the view's words (`words.photo` 「张照片」…, `gap`
 * between number and word), its repeat note and its refused-format note: 「2 张照片（其中1张与本任务第1件相同，
 * 不重复计数）」, 「3 份文件（格式不能归档，不计数）」.
 * Empty when the item holds nothing.
 */
export function itemFilesText(files: ItemFiles, words: Record<MaterialKind, string>, gap = ''): string {
  return KINDS.filter((k) => files.held[k] > 0)
    .map((k) => `${files.held[k]}${gap}${words[k]}${repeatNote(files, k)}${refusedNote(files, k)}`)
    .join('、');
}
