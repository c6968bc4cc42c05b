import { createHash } from 'node:crypto';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { splitFrom } from '../db/repos/burst-split.js';
import { getBurst, type BurstRow } from '../db/repos/bursts.js';
import { materialsOfBurst } from '../db/repos/materials.js';
import { textsBetween } from '../db/repos/messages.js';
import { unfiledBursts } from '../db/repos/unfiled-bursts.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { partsIn } from '../domain/working-days.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { burstSummary } from './acknowledge-burst.js';
import { presentBurst, type PresentDeps } from './present-burst.js';
import { partsCardOf } from './split-parts.js';

type CardAgainReason = 'reminder' | 'expiring' | 'asked' | 'bound';

export interface CardAgainDeps extends PresentDeps {
  quietWindowMs: number;
  maxFileBytes: number;
}

/** Lark's send key (≤ 50 chars) for one re-send of a burst's card, from what makes it unique. */
export const cardAgainUuid = (burstId: number, occasion: string): string =>
  `fc-${burstId}-${createHash('sha256').update(occasion).digest('hex').slice(0, 24)}`;

/** 「5月6日」 (with the year when it is not this year's). */
export function dayLabel(at: Date, now: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  const thisYear = partsIn(now, timeZone).year;
  return `${p.year !== thisYear ? `${p.year}年` : ''}${Number(p.month)}月${Number(p.day)}日`;
}

/**
 * Sends a burst's filing card again, replying to the burst's first message (or into its chat when
 * that message is gone), and records it as one of the burst's cards so its taps count. Nothing is
 * sent when the burst was filed or set aside meanwhile. A part of a split burst gets its parts card
 * again, every part on it as it is now (recorded as a `parts_card`, whose taps count for each part):
 * one card, not one per part still waiting, under the first message of the burst it was split from,
 * where the first card and the parts card are (not under the part's own file, which for a part after
 * the first is somewhere in the middle of what the officer sent). Returns whether a card went out.
 */
export async function sendFilingCardAgain(
  deps: CardAgainDeps,
  input: { burstId: number; reason: CardAgainReason; uuid: string },
  log: Logger,
): Promise<boolean> {
  const [waiting] = await unfiledBursts(deps.db, { burstIds: [input.burstId] });
  const burst = waiting && (await getBurst(deps.db, input.burstId));
  const unit = burst && (await unitOfChat(deps.db, burst.chatId));
  if (!burst || !unit) return false;
  const parts = burst.ackMessageId ? await partsCardOf(deps, burst.ackMessageId) : undefined;
  const message = parts
    ? { msgType: 'interactive' as const, content: JSON.stringify(parts) }
    : await filingCardNow(deps, burst);
  const whole = parts ? await splitFrom(deps.db, burst.id) : undefined;
  const under = (whole === undefined ? undefined : await getBurst(deps.db, whole))?.firstMessageId;
  let messageId: string;
  try {
    ({ messageId } = await deps.gateway.reply({
      messageId: under ?? burst.firstMessageId,
      message,
      uuid: input.uuid,
    }));
  } catch (err) {
    if (!(err instanceof LarkApiError) || err.isRetryable) throw err;
    // The first message was recalled or is out of reach: the card goes into the chat itself.
    log.warn({ err, burstId: burst.id }, 'could not reply to the burst; sending its card to the chat');
    ({ messageId } = await deps.gateway.sendMessage({
      receiveIdType: 'chat_id',
      receiveId: burst.chatId,
      message,
      uuid: input.uuid,
    }));
  }
  await recordBotMessage(
    deps.db,
    {
      messageId,
      chatId: burst.chatId,
      purpose: parts ? 'parts_card' : 'filing_card',
      unitId: unit.id,
      burstId: burst.id,
      taskIds: [],
    },
    deps.clock.now(),
  );
  deps.metrics.inc('filing_cards_again_total', { reason: input.reason });
  return true;
}

/** The heading of a filing card sent again: 「这组材料（5月6日发的）还没交到任务里，请选一下：」. */
export function againHeading(deps: Pick<PresentDeps, 'clock' | 'timeZone'>, burst: BurstRow): string {
  return `这组材料（${dayLabel(burst.firstAt, deps.clock.now(), deps.timeZone)}发的）还没交到任务里，请选一下：`;
}

/** The burst's filing card as it is now, saying since when it waits. */
async function filingCardNow(deps: CardAgainDeps, burst: BurstRow) {
  const materials = await materialsOfBurst(deps.db, burst.id);
  const texts = burst.caption
    ? []
    : await textsBetween(deps.db, {
        chatId: burst.chatId,
        senderOpenId: burst.senderOpenId,
        from: new Date(burst.firstAt.getTime() - deps.quietWindowMs),
        to: burst.closesAt,
      });
  const caption = burst.caption ?? (texts.length ? texts.join('\n') : null);
  const summary = `${againHeading(deps, burst)}\n${burstSummary(materials, deps.maxFileBytes)}`;
  return presentBurst(deps, { burst, materials, caption, summary }, { auto: false });
}
