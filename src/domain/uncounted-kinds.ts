import { countsText, type BurstCounts } from './burst-summary.js';
import type { MaterialKind } from './material-kind.js';
import { takesPhotosAsPaper } from './photographed-paper.js';

const NOUNS: Record<MaterialKind, string> = { photo: '照片', document: '文件', audio: '语音', video: '视频' };

/**
 * The files of an item its task does not ask for (a PDF and a voice note filed to a task that wants
 * photos): they stay in the item, but the task counts only the kinds it declares (checklist `kinds`),
 * so the filer is told, in the card's words: 「其中 1 个文件、1 段语音不是照片，不计入本任务」.
 * Photos in a task that takes documents and not photos do count (domain/photographed-paper.ts: the
 * photographed pages of a paper form), so they are never named here.
 * Undefined when every file is of a kind the task counts (or the task declares none).
 */
export function uncountedText(
  fileKinds: readonly string[],
  taskKinds: readonly string[],
): string | undefined {
  if (taskKinds.length === 0) return undefined;
  const counted = takesPhotosAsPaper(taskKinds) ? [...taskKinds, 'photo'] : taskKinds;
  const counts: BurstCounts = {};
  for (const k of fileKinds)
    if (!counted.includes(k) && k in NOUNS) counts[k as MaterialKind] = (counts[k as MaterialKind] ?? 0) + 1;
  const what = countsText(counts);
  if (!what) return undefined;
  const wanted = counted.filter((k): k is MaterialKind => k in NOUNS).map((k) => NOUNS[k]);
  return `其中 ${what}不是${wanted.join('或')}，不计入本任务`;
}
