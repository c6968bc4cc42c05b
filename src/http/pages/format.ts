import { itemFilesText, type ItemFiles } from '../../domain/item-files.js';
import { plainDateTime } from '../../domain/plain-date.js';
import { villageWord } from '../../domain/village-word.js';
import { localDay, partsIn } from '../../domain/working-days.js';

export const day = (d: Date, tz: string): string => localDay(d, tz);

/** A time later today or tomorrow as people say it: 「今天 18:30」, 「明天 8:00」. */
export function comingTime(at: Date, now: Date, tz: string): string {
  const p = partsIn(at, tz);
  const when = localDay(at, tz) === localDay(now, tz) ? '今天' : '明天';
  return `${when} ${Number(p.hour)}:${p.minute}`;
}

/**
 * An instant as the cards write it: 「12月3日 16:05」, the year only when it is not `now`'s (it was
 * 「2026-12-03 16:05」 on the pages while every card said 12月3日).
 */
export const dateTime = (d: Date, now: Date, tz: string): string => plainDateTime(d, now, tz);

export const percent = (p: number | null): string => (p === null ? '—' : `${p.toFixed(1)}%`);

/** Units' and items' kinds; a village-level unit has none here: unitKindLabel names it by its name. */
export const KIND_LABEL: Record<string, string> = {
  county: '县',
  township: '乡镇',
  department: '部门',
  photo: '照片',
  document: '文件',
  audio: '录音',
  video: '视频',
  photo_group: '照片组',
};

/**
 * What a unit is, beside its name: a village-level unit as its name says, 村 or 社区 (or 村（社区）
 * when it says neither; domain/village-word.ts), as the chat cards call it; the pages called every
 * one of them 村, a 社区 too.
 */
export const unitKindLabel = (u: { kind: string; name: string }): string =>
  u.kind === 'village' ? villageWord([u.name]) : (KIND_LABEL[u.kind] ?? '');

export const STATE_LABEL: Record<string, string> = {
  complete: '已齐',
  partly: '部分',
  // Not 「未交」: that word is the 未归档 command's (materials not filed), this is a task with nothing in it.
  open: '一件没交',
  waived: '免交',
};

export const ACTION_LABEL: Record<string, string> = {
  // The glossary (docs/architecture.md, Wording): an officer 提交 to a task; 归档 is the archivist's 确认归档.
  file: '提交',
  undo: '撤销',
  refile: '改归',
  unfile: '撤下',
  confirm: '确认归档',
  unconfirm: '撤销确认',
  describe: '著录',
  correction_request: '申请更正',
  correction_answer: '答复更正',
  correction_done: '申请的更正已改好',
  correction_dropped: '更正申请不用改了',
  urge: '督办',
  recall: '撤回',
  join_late: '补入（下载完成后自动归入）',
  transfer_correction: '已报送更正（移交后变更）',
  transfer_correction_undone: '撤销已报送更正的标记',
  split_out: '移出文件为新件',
  split_from: '由别的件移出而成',
  merge_in: '并入另一件的文件',
  merged_into: '并入别的件',
};

/** The kinds' words on the pages: 「3 张照片」, 「1 份文件」. */
const FILE_WORDS = { photo: '张照片', document: '份文件', audio: '段录音', video: '段视频' } as const;

/**
 * What an item holds: 「2 张照片（其中1张与本任务第1件相同，不重复计数）」 (its own files, each repeat of
 * a file the task counts elsewhere said so), '' when nothing.
 */
export const filesText = (f: ItemFiles): string => itemFilesText(f, FILE_WORDS, ' ');

/** filesText, or 「—」 for an item holding nothing. */
export const counts = (f: ItemFiles): string => filesText(f) || '—';
