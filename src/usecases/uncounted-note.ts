import { MAX_SPLIT_PARTS } from '../db/repos/burst-split.js';
import { paperNote } from '../domain/photographed-paper.js';
import { uncountedText } from '../domain/uncounted-kinds.js';

/**
 * The files of a filed burst that are in its item (stored; a video's cover goes with its video). A file
 * whose format the archive refuses is left out: it counts nowhere, and the card's summary says so with
 * what to send instead (acknowledge-burst.ts burstSummary).
 */
type File = { kind: string; role?: string; status?: string; formatRefused?: boolean };
const filedFiles = (materials: readonly File[]) =>
  materials.filter((m) => m.role !== 'cover' && (m.status ?? 'stored') === 'stored' && !m.formatRefused);

/** What of a burst's files its task does not count (uncountedText), from the burst's materials. */
export const uncountedOf = (
  materials: readonly File[],
  taskKinds: readonly string[],
): { text: string; files: number } | undefined => {
  const files = filedFiles(materials);
  const text = uncountedText(
    files.map((m) => m.kind),
    taskKinds,
  );
  return text ? { text, files: files.length } : undefined;
};

/**
 * How the photos of a filed burst count in a task that takes paper as photos (paperNote), if they do:
 * `countedPhotos` is its item's n_photo (0 when the task already held every photo).
 */
export const paperNoteOf = (
  materials: readonly File[],
  taskKinds: readonly string[],
  countedPhotos: number,
): string | undefined =>
  paperNote(
    filedFiles(materials).map((m) => m.kind),
    taskKinds,
    countedPhotos,
  );

/**
 * The filed card's line on files its task does not count, with the way out while 撤销 is offered: the
 * burst undone, its card offers 分开交 (2 to MAX_SPLIT_PARTS files), each file then to its own task; a
 * burst of one file has no 分开交 (present-burst.ts `splittable`): undone, its card offers the tasks.
 */
export function uncountedNote(
  u: { text: string; files: number } | undefined,
  undoable: boolean,
): string | undefined {
  if (!u) return undefined;
  if (!undoable) return u.text;
  if (u.files === 1) return `${u.text}；要交到别的任务，请先撤销，再选别的任务`;
  return u.files <= MAX_SPLIT_PARTS
    ? `${u.text}；要交到别的任务，请先撤销，再点「分开交」`
    : `${u.text}；要交到别的任务，请先撤销，再分开发送`;
}
