import type { Db } from '../db/client.js';
import {
  captionBurstsNear,
  liveItemsOfBursts,
  setBurstCaption,
  setItemTitle,
  type BurstItemTitle,
  type RecalledText,
} from '../db/repos/recalled-captions.js';
import { captionWithout, titleWithout } from '../domain/caption-without.js';

export interface CaptionOutcome {
  /** Bursts whose caption held the recalled text. */
  bursts: number[];
  /** Filings whose 题名 was taken from it and now is not. */
  retitled: number[];
  /** Confirmed 件 whose 题名 holds it: left as confirmed, for the archivists to correct. */
  confirmed: { item: BurstItemTitle; title: string }[];
}

/**
 * A recalled text leaves the captions it was copied into (the sender's bursts around it), and the
 * 题名 of their live filings that were taken from those captions; a confirmed 件's 题名 is not
 * rewritten (its 档号 and catalogue were confirmed): the caller tells the archivists instead. Runs in
 * the recall's transaction, after the message's text was read and before it is dropped.
 */
export async function dropRecalledCaption(tx: Db, text: RecalledText): Promise<CaptionOutcome> {
  const out: CaptionOutcome = { bursts: [], retitled: [], confirmed: [] };
  const changed = new Map<number, { before: string; after: string | null }>();
  for (const b of await captionBurstsNear(tx, text)) {
    const after = captionWithout(b.caption, text.text);
    if (after === undefined) continue;
    await setBurstCaption(tx, b.id, after);
    changed.set(b.id, { before: b.caption, after });
    out.bursts.push(b.id);
  }
  for (const item of await liveItemsOfBursts(tx, out.bursts)) {
    const title = titleWithout(item.title, changed.get(item.burstId)!, {
      title: item.taskTitle,
      householdName: item.householdName,
    });
    if (title === undefined) continue;
    if (item.archivalCode !== null) out.confirmed.push({ item, title });
    else {
      await setItemTitle(tx, item.itemId, title);
      out.retitled.push(item.itemId);
    }
  }
  return out;
}
