import { withdrawnCard } from '../cards/filing-card.js';
import { burstWhollyRecalled, kindsOfBurst } from '../db/repos/message-recalls.js';
import { cardsOfBurst } from '../db/repos/unfiled-bursts.js';
import { countsText } from '../domain/burst-summary.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BotDeps } from './deps.js';
import { filedCardAfterRecall } from './filed-card-now.js';

/** The card of a burst whose files were all recalled: what it held, and that nothing is left to file. */
export async function withdrawnCardOf(deps: Pick<BotDeps, 'db'>, burstId: number): Promise<object> {
  return withdrawnCard(countsText(await kindsOfBurst(deps.db, burstId)));
}

/**
 * Files of an answered burst were recalled: each of its cards still on the chat (the reply, and copies
 * sent again by reminders or 未归档) is drawn again. Every file recalled: it says so, without task
 * buttons, instead of offering tasks that a tap could only refuse. Some recalled from a filed burst:
 * its filed card lists what is left in the item and what was recalled, with the task's progress
 * counted again (filedCardAfterRecall), instead of still listing the recalled file. An open burst's
 * card is left as it is (a tap files what is left; the reply under it said what was recalled). A card
 * Lark no longer lets the bot change (older than 14 days, or deleted) is left as it is; a tap on it
 * draws the card as it is now.
 */
export async function patchWithdrawnCards(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'clock' | 'pageUrl'>,
  burstId: number,
  log: Logger,
  o: {
    maxFileBytes: number;
    /**
     * The card a message shows instead, when it shows more than this burst: a part of a split burst
     * shares the parts card with the other parts, so that card is drawn again, not replaced.
     */
    sharedCard?: (messageId: string) => Promise<object | undefined>;
  },
): Promise<void> {
  const own = (await burstWhollyRecalled(deps.db, burstId))
    ? await withdrawnCardOf(deps, burstId)
    : await filedCardAfterRecall(deps, burstId, o.maxFileBytes);
  for (const messageId of await cardsOfBurst(deps.db, burstId)) {
    try {
      const card = (await o.sharedCard?.(messageId)) ?? own;
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
