import { countsText, type BurstCounts } from './burst-summary.js';
import type { MaterialKind } from './material-kind.js';
import { takesPhotosAsPaper } from './photographed-paper.js';

const NOUNS: Record<MaterialKind, string> = { photo: '照片', document: '文件', audio: '语音', video: '视频' };
/** One file named on its own: 「这段语音」, not 「其中 1 段语音」 (there is nothing else it is among). */
const THIS_ONE: Record<MaterialKind, string> = {
  photo: '这张照片',
  document: '这个文件',
  audio: '这段语音',
  video: '这段视频',
};

/** The kinds a task counts: its own, and photos when it takes paper as photos. */
const countedKinds = (taskKinds: readonly string[]): readonly string[] =>
  takesPhotosAsPaper(taskKinds) ? [...taskKinds, 'photo'] : taskKinds;

const isKind = (k: string): k is MaterialKind => k in NOUNS;

/**
 * The files of an item its task does not ask for (a PDF and a voice note filed to a task that wants
 * photos): they stay in the item, but the task counts only the kinds it declares (checklist `kinds`),
 * so the filer is told, in the card's words: 「其中 1 个文件、1 段语音不是照片，不计入本任务」, or for an
 * item of one file 「这段语音不是照片，不计入本任务」.
 * Photos in a task that takes documents and not photos do count (domain/photographed-paper.ts: the
 * photographed pages of a paper form), so they are never named here.
 * Undefined when every file is of a kind the task counts (or the task declares none).
 */
export function uncountedText(
  fileKinds: readonly string[],
  taskKinds: readonly string[],
): string | undefined {
  if (taskKinds.length === 0) return undefined;
  const counted = countedKinds(taskKinds);
  const counts: BurstCounts = {};
  for (const k of fileKinds) if (!counted.includes(k) && isKind(k)) counts[k] = (counts[k] ?? 0) + 1;
  const what = countsText(counts);
  if (!what) return undefined;
  const wanted = counted.filter(isKind).map((k) => NOUNS[k]);
  const only = fileKinds.length === 1 && isKind(fileKinds[0]!) ? THIS_ONE[fileKinds[0]] : undefined;
  return `${only ?? `其中 ${what}`}不是${wanted.join('或')}，不计入本任务`;
}

/**
 * The kinds of the files, named (「语音」, 「文件、语音」), when the task counts none of them: filed there
 * they would add nothing (a voice note 「收到，明天补」 sent in reply to a reminder). Undefined when one of
 * them counts, or the task declares no kinds, or there are no files.
 */
export function noneCounted(fileKinds: readonly string[], taskKinds: readonly string[]): string | undefined {
  if (taskKinds.length === 0 || fileKinds.length === 0) return undefined;
  const counted = countedKinds(taskKinds);
  if (fileKinds.some((k) => counted.includes(k) || !isKind(k))) return undefined;
  return [...new Set(fileKinds as MaterialKind[])].map((k) => NOUNS[k]).join('、');
}
