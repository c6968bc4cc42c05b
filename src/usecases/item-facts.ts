import type { ItemFacts } from '../cards/correction-cards.js';
import type { ItemForCorrection } from '../db/repos/correction-items.js';
import { plainDateTime } from '../domain/plain-date.js';

/** 「3张照片、1份文件」 */
function itemCounts(i: { nPhoto: number; nDocument: number; nAudio: number; nVideo: number }): string {
  const parts = [
    i.nPhoto && `${i.nPhoto}张照片`,
    i.nDocument && `${i.nDocument}份文件`,
    i.nAudio && `${i.nAudio}段录音`,
    i.nVideo && `${i.nVideo}段视频`,
  ].filter(Boolean);
  return parts.length ? parts.join('、') : '材料';
}

export const itemTaskLabel = (i: ItemForCorrection) =>
  `「${i.taskCode} ${i.householdName ? `${i.householdName}户 ` : ''}${i.taskTitle}」`;

/** What the correction cards show about an item. */
export function itemFacts(i: ItemForCorrection, now: Date, timeZone: string): ItemFacts {
  return {
    itemId: i.id,
    taskLabel: itemTaskLabel(i),
    counts: itemCounts(i),
    filedByName: i.filedByName ?? '群成员',
    filedAt: plainDateTime(i.filedAt, now, timeZone),
    archivalCode: i.archivalCode,
  };
}
