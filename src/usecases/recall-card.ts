import { withdrawnCard } from '../cards/filing-card.js';
import { burstWhollyRecalled, kindsOfBurst } from '../db/repos/message-recalls.js';
import { cardsOfBurst } from '../db/repos/unfiled-bursts.js';
import { countsText } from '../domain/burst-summary.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BotDeps } from './deps.js';

/** The card of a burst whose files were all recalled: what it held, and that nothing is left to file. */
export async function withdrawnCardOf(deps: Pick<BotDeps, 'db'>, burstId: number): Promise<object> {
  return withdrawnCard(countsText(await kindsOfBurst(deps.db, burstId)));
}

/**
 * Every file of the burst was recalled: each of its cards still on the chat (the reply, and copies sent
 * again by reminders or 未归档) is patched to say so, without task buttons, instead of offering tasks
 * that a tap could only refuse. A card Lark no longer lets the bot change (older than 14 days, or
 * deleted) is left as it is; a tap on it draws the same card.
 */
export async function patchWithdrawnCards(
  deps: Pick<BotDeps, 'db' | 'gateway'>,
  burstId: number,
  log: Logger,
  /**
   * The card a message shows instead, when it shows more than this burst: a part of a split burst
   * shares the parts card with the other parts, so that card is drawn again, not replaced.
   */
  sharedCard: (messageId: string) => Promise<object | undefined> = async () => undefined,
): Promise<void> {
  if (!(await burstWhollyRecalled(deps.db, burstId))) return;
  const own = await withdrawnCardOf(deps, burstId);
  for (const messageId of await cardsOfBurst(deps.db, burstId)) {
    try {
      const card = (await sharedCard(messageId)) ?? own;
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
