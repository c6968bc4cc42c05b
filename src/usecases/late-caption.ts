import { setAsideBy } from '../db/repos/burst-split.js';
import { getBurst, lockBurstStatus, newerBurstsOf } from '../db/repos/bursts.js';
import { itemForCorrection } from '../db/repos/correction-items.js';
import { filingRoundOfBurst, getLiveFilingOfBurst } from '../db/repos/filings.js';
import { materialsOfBurst } from '../db/repos/materials.js';
import { captionTextOf, markLateCaption } from '../db/repos/messages.js';
import { setBurstCaption } from '../db/repos/recalled-captions.js';
import { captionWithLate, lateCaptionWait } from '../domain/burst.js';
import { undoableNow, undoDeadline } from '../domain/checklist-filing.js';
import { plainDateTime } from '../domain/plain-date.js';
import { CAPTION_MAX_CHARS } from '../domain/caption-without.js';
import { parseTaskCode } from '../domain/task-code.js';
import type { JobPayload, LATE_CAPTION_JOB } from '../domain/job-types.js';
import type { Logger } from '../logger.js';
import { burstSummary, type BurstPresenter } from './acknowledge-burst.js';
import type { BotDeps } from './deps.js';
import { ALREADY_SPLIT } from './file-burst.js';
import { askFilerOrArchivist, itemTaskLabel } from './item-facts.js';
import { patchWithdrawnCards } from './recall-card.js';
import { replyText } from './reply-text.js';

/**
 * A text its sender wrote after their burst's card went out, soon after the burst (a caption typed
 * right after the photos that a slow connection delivered late, or written after the card came): while
 * nobody has tapped the card (no filing, undone or not; not set aside; not split) it becomes the burst's
 * caption, under the burst's row lock that a filing takes too. Its #code then files the burst, as it
 * would have when the card was drawn, and the burst's cards are drawn again as they are now (the filed
 * card, or the tasks with the 说明). A card already tapped keeps its choice: the text is left alone; so is
 * a text that a newer burst of the sender's reads (photos sent right before or after it), and one that
 * holds no task code when the burst already has a caption (chat, most likely). Run once the
 * text's own caption window has passed, so those photos are recorded by then; a #code written well after
 * the burst's photos, once the window in which photos after it read it as their caption has passed
 * (domain/burst.ts lateCaptionWait).
 */
export async function takeLateCaption(
  deps: BotDeps,
  p: JobPayload<typeof LATE_CAPTION_JOB>,
  log: Logger,
  o: {
    quietWindowMs: number;
    maxFileBytes: number;
    present?: BurstPresenter;
    sharedCard?: (messageId: string) => Promise<object | undefined>;
  },
): Promise<'caption' | 'filed' | 'tapped' | 'newer' | 'captioned' | 'gone'> {
  const taken = await deps.db.transaction(async (tx) => {
    const status = await lockBurstStatus(tx, p.burstId);
    if (status === undefined) return 'gone' as const;
    const message = await captionTextOf(tx, p.messageId);
    const text = message?.text;
    // Recalled meanwhile (its text dropped): nothing to take.
    if (!message || !text) return 'gone' as const;
    const burst = (await getBurst(tx, p.burstId))!;
    // Photos sent just before or after it (recorded after it, or in another order) make a newer burst:
    // the text is that one's caption. So do photos up to LATE_CAPTION_MS after a #code written well
    // after this burst's photos (「#C05 村民大会」 typed, then photos a slow connection sent a minute
    // later: domain/burst.ts lateCaptionWait), which this job waited for.
    const wait = lateCaptionWait(
      burst,
      { at: message.sentAt, coded: !!parseTaskCode(text) && !p.toCard },
      o.quietWindowMs,
    );
    const newer = await newerBurstsOf(tx, {
      burstId: p.burstId,
      sentAt: message.sentAt,
      withinMs: wait.newerWithinMs,
      quietWindowMs: o.quietWindowMs,
    });
    if (newer.some((b) => b.near)) return 'newer' as const;
    // Photos a while after a #code read it only when their own texts named no task (acknowledge-burst.ts):
    // photos with 「#C07 …」 of their own leave it to this card (it was lost to both). Theirs is known once
    // their card is claimed: until then, tried again.
    if (newer.length > 0) {
      if (newer.some((b) => !b.claimed))
        throw new Error('late caption: a newer burst of the sender’s is not answered yet');
      if (newer.some((b) => b.caption?.split('\n').includes(text))) return 'newer' as const;
    }
    if (
      status === 'split' ||
      (await filingRoundOfBurst(tx, p.burstId)) > 0 ||
      (await setAsideBy(tx, p.burstId)) !== undefined
    )
      return 'tapped' as const;
    // Photos already captioned (「现场 下午拍的」): a later text is most likely chat (「明天上午开会」), which
    // would join their 说明 and 题名; only a #code, which says where they go, is still taken.
    if (burst.caption && !parseTaskCode(text)) return 'captioned' as const;
    // The card is being sent (its reply claimed, not yet recorded): the record would write the caption
    // it read over this one. Tried again in a moment.
    if (!burst.ackMessageId) throw new Error('late caption: the burst’s card is not recorded as sent yet');
    const caption = captionWithLate(burst.caption, text, CAPTION_MAX_CHARS);
    if (caption !== burst.caption) await setBurstCaption(tx, p.burstId, caption);
    // Its own now: not read again by the sender's next burst, nor answered by its hint.
    await markLateCaption(tx, p.messageId);
    return { burst: { ...burst, caption }, text };
  });
  if (typeof taken === 'string') {
    log.debug({ burstId: p.burstId, outcome: taken }, 'late text not taken as a caption');
    // A #code sent as a reply to a card already tapped (「错了，应该是 #C05」): the choice stands, and
    // the officer is told where the files are and how to move them, under their reply.
    if (taken === 'tapped' && p.toCard) await answerTappedCard(deps, p);
    return taken;
  }
  let outcome: 'caption' | 'filed' = 'caption';
  // A #code files it (the presenter files by the caption's code, as when the card was drawn).
  if (o.present && parseTaskCode(taken.text)) {
    const materials = await materialsOfBurst(deps.db, p.burstId);
    await o.present(deps, {
      burst: taken.burst,
      materials,
      caption: taken.burst.caption,
      summary: burstSummary(materials, o.maxFileBytes),
    });
    if ((await filingRoundOfBurst(deps.db, p.burstId)) > 0) outcome = 'filed';
  }
  await patchWithdrawnCards(deps, p.burstId, log, {
    maxFileBytes: o.maxFileBytes,
    ...(o.present ? { present: o.present } : {}),
    ...(o.sharedCard ? { sharedCard: o.sharedCard } : {}),
  });
  return outcome;
}

/**
 * The answer under a #code sent as a reply to a card already tapped: the filing is never moved by it.
 * Filed: where, and how to change it (撤销 within its 24 hours by the filer, then the task; after that,
 * or once confirmed, 申请更正); set aside (不用交): 重新选择任务; taken back or split: the card's tasks.
 */
async function answerTappedCard(deps: BotDeps, p: JobPayload<typeof LATE_CAPTION_JOB>): Promise<void> {
  const message = await captionTextOf(deps.db, p.messageId);
  const code = parseTaskCode(message?.text);
  if (!message || !code) return;
  const now = deps.clock.now();
  // The reply is the burst's sender's (capture-message.ts takes only theirs).
  const burst = await getBurst(deps.db, p.burstId);
  const live = await getLiveFilingOfBurst(deps.db, p.burstId);
  const item = live && (await itemForCorrection(deps.db, live.id));
  let text: string;
  if (item) {
    const label = itemTaskLabel(item);
    if (item.taskCode === code) text = `这组材料已经交在${label}，不用再交。`;
    else if (!undoableNow(item, now))
      text =
        `这组材料已交到${label}，没有改动。要改到 ${code}：点卡片上的「申请更正」，写明应交到 ${code}` +
        `（已超过 24 小时或已确认，不能撤销）。`;
    else {
      const by = `在${plainDateTime(undoDeadline(item.filedAt), now, deps.timeZone)}前`;
      text =
        `这组材料已交到${label}，没有改动。要改到 ${code}：` +
        (item.filedBy === burst?.senderOpenId
          ? `${by}点卡片上的「撤销」，再点 ${code} 那一项。`
          : `${askFilerOrArchivist(item.filedByName)}（${by}可以撤销）。`);
    }
  } else if ((await setAsideBy(deps.db, p.burstId)) !== undefined)
    text = `这组材料已标记为不用交，没有交到 ${code}。要交的话点卡片上的「重新选择任务」，再点 ${code} 那一项。`;
  else if (burst?.status === 'split') text = ALREADY_SPLIT;
  else text = `这组材料的提交已撤销，没有自动交到 ${code}。请点卡片上 ${code} 那一项。`;
  await replyText(deps.gateway, p.messageId, text, `tapped-${p.messageId}`);
}
