import { burstOfCard, burstReplyTarget } from '../db/repos/bot-messages.js';
import { joinBurstInto } from '../db/repos/burst-join.js';
import type { BurstRow } from '../db/repos/bursts.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { RECALL_CARD_JOB } from '../domain/job-types.js';
import { parseTaskCode } from '../domain/task-code.js';
import type { BotDeps } from './deps.js';

/** Lark takes changes to a card for 14 days: a card older than this is not drawn again with more files. */
const CARD_CHANGEABLE_MS = 13 * 24 * 3_600_000;

/**
 * One more photo sent as a reply (引用回复) to a filing card nobody has tapped yet: it goes with that
 * card's files (db/repos/burst-join.ts decides, under that burst's row lock), and that card is drawn
 * again with them all (a `recall-card` job, queued with the move: every card of the burst as it is now),
 * so the officer taps once for all instead of getting a second card. Not when the new caption names a
 * task (#C05): that files the new files by it, as before. The burst joined into, if it was.
 */
export async function joinRepliedCard(
  deps: BotDeps,
  burst: BurstRow,
  caption: string | null,
): Promise<number | undefined> {
  if (parseTaskCode(caption)) return undefined;
  const target = await burstReplyTarget(deps.db, burst.id);
  const into = target ? await burstOfCard(deps.db, target, burst.chatId) : undefined;
  if (into === undefined || into === burst.id) return undefined;
  const now = deps.clock.now();
  const joined = await deps.db.transaction(async (tx) => {
    const ok = await joinBurstInto(tx, {
      from: burst.id,
      into,
      caption,
      answeredSince: new Date(now.getTime() - CARD_CHANGEABLE_MS),
      now,
    });
    if (ok)
      await enqueueJob(
        tx,
        { type: RECALL_CARD_JOB, key: `${into}:join:${burst.id}`, payload: { burstId: into }, runAt: now },
        now,
      );
    return ok;
  });
  if (!joined) return undefined;
  deps.logger.info({ burstId: burst.id, into }, 'burst sent in reply to an untapped card joined it');
  return into;
}
