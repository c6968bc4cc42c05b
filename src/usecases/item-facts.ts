import type { ItemFacts } from '../cards/correction-cards.js';
import type { ItemForCorrection } from '../db/repos/correction-items.js';
import { itemFilesText } from '../domain/item-files.js';
import { plainDate, plainDateTime } from '../domain/plain-date.js';

/** The kinds' words on the cards: 「3张照片」, 「1份文件」. */
const FILE_WORDS = { photo: '张照片', document: '份文件', audio: '段录音', video: '段视频' } as const;

export const itemTaskLabel = (i: ItemForCorrection) =>
  `「${i.taskCode} ${i.householdName ? `${i.householdName}户 ` : ''}${i.taskTitle}」`;

/**
 * The way out for a member who may not undo someone else's filing within its 24 hours (only the filer
 * or an archivist may): whom to ask.
 */
export const askFilerOrArchivist = (filedByName: string | null): string =>
  `请提交人${filedByName ?? ''}点「撤销」后重新提交，或请档案员更正`;

/** What the correction cards show about an item. */
export function itemFacts(i: ItemForCorrection, now: Date, timeZone: string): ItemFacts {
  return {
    itemId: i.id,
    taskLabel: itemTaskLabel(i),
    counts: itemFilesText(i.files, FILE_WORDS) || '材料',
    filedByName: i.filedByName ?? '群成员',
    filedAt: plainDateTime(i.filedAt, now, timeZone),
    archivalCode: i.archivalCode,
    ...(i.archivalCode && i.transferredAt
      ? { transferredOn: plainDate(i.transferredAt, now, timeZone) }
      : {}),
  };
}
