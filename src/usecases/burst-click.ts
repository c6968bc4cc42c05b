import { MATERIALS_BUTTON_GONE } from '../domain/materials-button-gone.js';
import { getBurst, type BurstRow } from '../db/repos/bursts.js';
import { materialsOfBurst } from '../db/repos/materials.js';
import { textsBetween } from '../db/repos/messages.js';
import { isFilingCardOf } from '../db/repos/unfiled-bursts.js';
import { DomainError, RefusalWithCard } from '../errors.js';
import { SPLIT_ELSEWHERE, splitElsewhereCard } from '../cards/split-parts-card.js';
import { partsCardOfSplit } from '../db/repos/burst-split.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { PARTS_CARD_POINTER_JOB } from '../domain/job-types.js';
import { burstSummary, type BurstView } from './acknowledge-burst.js';
import type { BotDeps } from './deps.js';
import { ALREADY_SPLIT } from './file-burst.js';

/** Where a click came from (Lark's context.open_chat_id / open_message_id). */
export type Where = { chatId?: string; messageId?: string };

/**
 * Whether a click came from the chat a value's object lives in and, when the card's message is
 * known, from that card.
 */
export const clickedIn = (a: Where, chatId: string, cardMessageId: string | null): boolean =>
  a.chatId === chatId && !(cardMessageId && a.messageId && a.messageId !== cardMessageId);

/**
 * The burst a click names, only if the click came from that burst's chat and card: a value naming
 * another chat's burst is refused without saying anything about it.
 */
export async function clickedBurst(deps: BotDeps, a: Where, burstId: number): Promise<BurstRow> {
  const burst = await getBurst(deps.db, burstId);
  if (!burst) throw new DomainError('bad_action', MATERIALS_BUTTON_GONE);
  // The burst's first card, or one sent again for it since (reminder, 未归档, before Lark's 14 days).
  const onItsCard =
    clickedIn(a, burst.chatId, burst.ackMessageId) ||
    (a.chatId === burst.chatId && !!a.messageId && (await isFilingCardOf(deps.db, a.messageId, burst.id)));
  if (!onItsCard) throw new DomainError('bad_action', MATERIALS_BUTTON_GONE);
  if (burst.status === 'split') throw await splitRefusal(deps, burst, a.messageId);
  return burst;
}

/**
 * A tap on a split burst's card. On another copy than the one its parts are listed on (分开交 tapped
 * on a copy sent again by a reminder or 未归档): that copy stops offering tasks, and a reply under
 * the parts card points to it (once per copy), instead of a toast naming no card.
 */
async function splitRefusal(
  deps: BotDeps,
  burst: BurstRow,
  messageId: string | undefined,
): Promise<DomainError> {
  const partsCard = await partsCardOfSplit(deps.db, burst.id);
  if (!partsCard || !messageId || messageId === partsCard)
    return new DomainError('burst_split', ALREADY_SPLIT);
  const now = deps.clock.now();
  await enqueueJob(
    deps.db,
    {
      type: PARTS_CARD_POINTER_JOB,
      key: messageId,
      payload: { partsCard, uuid: `parts-${messageId}`.slice(0, 50) },
      runAt: now,
    },
    now,
  );
  return new RefusalWithCard('burst_split', SPLIT_ELSEWHERE, splitElsewhereCard());
}

/** The clicked burst as its card shows it: materials, caption (or the sender's nearby text), summary. */
export async function clickedBurstView(
  deps: BotDeps,
  o: { quietWindowMs: number; maxFileBytes: number },
  a: Where,
  burstId: number,
): Promise<BurstView> {
  const burst = await clickedBurst(deps, a, burstId);
  const materials = await materialsOfBurst(deps.db, burstId);
  const texts = await textsBetween(deps.db, {
    chatId: burst.chatId,
    senderOpenId: burst.senderOpenId,
    from: new Date(burst.firstAt.getTime() - o.quietWindowMs),
    to: burst.closesAt,
  });
  return {
    burst,
    materials,
    caption: burst.caption ?? (texts.length ? texts.join('\n') : null),
    summary: burstSummary(materials, o.maxFileBytes),
  };
}
