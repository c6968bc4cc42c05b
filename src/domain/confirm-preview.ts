import type { PreviewedSet } from './previewed-set.js';

/** What `确认归档` would number (built by usecases/preview-confirm.ts, shown by cards/confirm-preview-card.ts). */
export interface ConfirmPreview {
  total: number;
  /** The units whose items would be numbered (paths), for the fonds they fall to. */
  unitPaths: string[];
  /** One line per numbering class: 门类 (the checklist's class), 年度, 保管期限, 件数. */
  classes: { taskClass: string; year: number; retention: string; count: number }[];
  /** Items that are not ready (a photo group missing its description), first ten. */
  notReady: string[];
  notReadyCount: number;
  /**
   * 件 移出 from another and not yet given a 题名 (著录): their title is provisional (「…（移出部分）」), first ten
   * as 「#C05 入户走访照片（移出部分）」.
   */
  undescribedSplits: string[];
  undescribedSplitCount: number;
  /**
   * Items holding files their task does not count (a PDF in a photo task: the strongest sign of a
   * misfiling), first ten as 「#C03 题名：其中 1 个文件不是照片，不计入本任务」.
   */
  uncounted: string[];
  uncountedCount: number;
  /**
   * Items holding files in a format the archive refuses (materials.format_refused: a .zip, a .MOV sent as a
   * file …), which the export's 四性 check fails (the package a 预检包), first ten as 「#C02 题名：通知.txt、照片.zip」.
   */
  refusedFormats: string[];
  refusedFormatsCount: number;
  /** Files never saved (download failed; asked to be sent again) of the bursts the 件 to be numbered were filed from. */
  failedDownloads: number;
  /** The set shown, which its button carries: its tap numbers these 件 and no others. */
  shown: PreviewedSet;
}
