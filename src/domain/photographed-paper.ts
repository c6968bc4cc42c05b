/**
 * Paper handed in as photos. A task that accepts documents and not photos (入户调查表, 登记表 …: the
 * checklists' `kinds: [document]`) counts the photos of one filing, one 件, as one 份 of document: a
 * signed form photographed page by page and sent in one go (「一次发来的材料（含拍照的纸质件）整理为一件
 * 文书」, config/checklists/village-jzfp.yaml; exported as one 文书 件 with a PDF). Its PDFs and Word files
 * still count one each. The database counts by the same rule (db/repos/filed-count.ts, task_filed).
 */
export const takesPhotosAsPaper = (taskKinds: readonly string[]): boolean =>
  taskKinds.includes('document') && !taskKinds.includes('photo');

/**
 * The filed card's line for the photos of an item filed to such a task: 「3 张照片合算 1 份（拍照的纸质件）」.
 * Undefined for any other task, or an item without photos, or one whose photos the task already held
 * (`countedPhotos`, the item's n_photo, 0: sent again, they add no 份, as task_filed counts least(n_photo, 1)).
 */
export function paperNote(
  fileKinds: readonly string[],
  taskKinds: readonly string[],
  countedPhotos: number,
): string | undefined {
  if (!takesPhotosAsPaper(taskKinds) || countedPhotos === 0) return undefined;
  const photos = fileKinds.filter((k) => k === 'photo').length;
  if (photos === 0) return undefined;
  return photos === 1 ? '这张照片算 1 份（拍照的纸质件）' : `${photos} 张照片合算 1 份（拍照的纸质件）`;
}

/** The filing card's hint under a task that still wants documents: how paper is handed in. */
export const PAPER_HINT = '纸质件：每页拍照，一次发完';
