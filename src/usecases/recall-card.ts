import { filedElsewhereCard, skippedCard, withdrawnCard } from '../cards/filing-card.js';
import { burstFilesInLiveItems, loadBurstForFiling } from '../db/repos/filings-burst.js';
import { getLiveFilingOfBurst } from '../db/repos/filings.js';
import { filedElsewhereText } from './file-burst.js';
import { setAsideNamed } from './set-aside-by.js';
import { getBurst, type BurstRow } from '../db/repos/bursts.js';
import { materialsOfBurst } from '../db/repos/materials.js';
import { burstWhollyRecalled, kindsOfBurst } from '../db/repos/message-recalls.js';
import { cardsOfBurst } from '../db/repos/unfiled-bursts.js';
import { countsText } from '../domain/burst-summary.js';
import type { ButtonValue } from '../domain/card-action-type.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { burstSummary, type BurstPresenter } from './acknowledge-burst.js';
import type { BotDeps } from './deps.js';
import { filedCardAfterRecall } from './filed-card-now.js';
import { againHeading } from './filing-card-again.js';

/** The card of a burst whose files were all recalled: what it held, and that nothing is left to file. */
export async function withdrawnCardOf(
  deps: Pick<BotDeps, 'db'>,
  burstId: number,
  back?: ButtonValue,
): Promise<object> {
  return withdrawnCard(countsText(await kindsOfBurst(deps.db, burstId)), back);
}

/**
 * The card of a burst without a live filing whose stored files all sit in other live items (its item
 * 并入 another, or its files 移出 and its item then undone): where they are, nothing to choose or undo.
 * Undefined otherwise.
 */
export async function filedElsewhereCardOf(deps: Pick<BotDeps, 'db'>, burstId: number) {
  if (await getLiveFilingOfBurst(deps.db, burstId)) return undefined;
  const [burst, placed] = await Promise.all([
    loadBurstForFiling(deps.db, burstId),
    burstFilesInLiveItems(deps.db, burstId),
  ]);
  const taken = new Set(placed.map((p) => p.materialId));
  if (!burst || placed.length === 0 || burst.materials.some((m) => !taken.has(m.id))) return undefined;
  return filedElsewhereCard(filedElsewhereText(placed));
}

/**
 * Files of an answered burst were recalled: each of its cards still on the chat (the reply, and copies
 * sent again by reminders or 未归档) is drawn again. Every file recalled: it says so, without task
 * buttons, instead of offering tasks that a tap could only refuse. Some recalled from a filed burst:
 * its filed card lists what is left in the item and what was recalled, with the task's progress
 * counted again (filedCardAfterRecall), instead of still listing the recalled file. Some recalled from
 * a burst not filed yet: its filing card lists what is left and what was recalled (openCardAfterRecall),
 * so a card sent again by a reminder no longer offers the recalled photo for filing. A card Lark no
 * longer lets the bot change (older than 14 days, or deleted) is left as it is; a tap on it draws the
 * card as it is now. A correction (改归 / 撤下) draws the cards the same way (the `corrected-card` job).
 */
export async function patchWithdrawnCards(
  deps: BotDeps,
  burstId: number,
  log: Logger,
  o: {
    maxFileBytes: number;
    /**
     * The card a message shows instead, when it shows more than this burst: a part of a split burst
     * shares the parts card with the other parts, so that card is drawn again, not replaced.
     */
    sharedCard?: (messageId: string) => Promise<object | undefined>;
    /** Draws a burst's filing card (the filing feature's): without it an open burst's cards are left. */
    present?: BurstPresenter;
  },
): Promise<void> {
  const own = (await burstWhollyRecalled(deps.db, burstId))
    ? await withdrawnCardOf(deps, burstId)
    : ((await filedCardAfterRecall(deps, burstId, o.maxFileBytes)) ??
      (await filedElsewhereCardOf(deps, burstId)));
  // An open burst's reply, and its copies sent again, which keep their heading (「这组材料（…发的）还没
  // 交到任务里」): drawn only when some card needs them.
  const burst = await getBurst(deps.db, burstId);
  const open = new Map<boolean, Promise<object | undefined>>();
  const openCard = (again: boolean) => {
    if (!o.present || !burst) return undefined;
    const present = o.present;
    if (!open.has(again)) open.set(again, openCardAfterRecall(deps, burst, o.maxFileBytes, present, again));
    return open.get(again);
  };
  const ack = burst?.ackMessageId;
  for (const messageId of await cardsOfBurst(deps.db, burstId)) {
    try {
      const card = (await o.sharedCard?.(messageId)) ?? own ?? (await openCard(messageId !== ack));
      if (!card) continue;
      await deps.gateway.patchCard({ messageId, card });
    } catch (err) {
      if (!(err instanceof LarkApiError) || err.isRetryable) throw err;
      log.warn(
        { burstId, messageId, larkCode: err.larkCode },
        'recalled burst: its card could not be patched',
      );
    }
  }
}

/**
 * The card of a burst not filed, as it is now after some of its files were recalled: its filing card
 * (tasks to choose, never a filing by the caption) whose summary lists the files left and says what
 * was recalled (「已撤回 1 张照片，不再归档」), or, set aside (不用交), the set-aside card with that
 * summary. A copy sent again (`again`) keeps the heading it was sent with. Undefined for a split burst
 * (its parts card is drawn instead: sharedCard) or one gone.
 */
async function openCardAfterRecall(
  deps: BotDeps,
  burst: BurstRow,
  maxFileBytes: number,
  present: BurstPresenter,
  again: boolean,
): Promise<object | undefined> {
  if (burst.status === 'split') return undefined;
  const burstId = burst.id;
  const [materials, recalled] = await Promise.all([
    materialsOfBurst(deps.db, burstId),
    kindsOfBurst(deps.db, burstId, { recalledOnly: true }),
  ]);
  const gone = countsText(recalled);
  const summary = burstSummary(materials, maxFileBytes) + (gone ? `\n已撤回 ${gone}，不再归档` : '');
  const aside = await setAsideNamed(deps, burst);
  if (aside) return skippedCard({ burstId, summary, ...aside });
  const heading = again ? `${againHeading(deps, burst)}\n` : '';
  const message = await present(
    deps,
    { burst, materials, caption: burst.caption, summary: heading + summary },
    { auto: false },
  );
  return message.msgType === 'interactive' ? (JSON.parse(message.content) as object) : undefined;
}
