import { knownBotMessageIds } from '../db/repos/bot-messages.js';
import type { ScheduledSend } from '../db/repos/schedule-sends.js';
import type { BotDeps } from '../usecases/deps.js';

/**
 * Lark keeps a send's uuid about an hour: within it a repeated post is answered with the message it
 * already delivered. Ours is a little shorter, for the two clocks' difference.
 */
export const LARK_UUID_MEMORY_MS = 50 * 60_000;

/** How far before `unsure_since` Lark's clock may have put the message. */
const SKEW_MS = 2 * 60_000;

/**
 * The message a post whose answer was lost left in the chat, if any: past Lark's uuid memory a new
 * post with the same uuid would be a second message (the officers got the 督办 twice). It is the bot's
 * own message of the send's type in the send's chat, posted since the first unsure attempt, not a
 * reply, and not one the bot knows it sent (those are recorded in bot_messages). Only chats can be
 * read back; for other targets it answers undefined. A failure to read throws (the job retries; a
 * refusal closes the send, deliver-scheduled.ts). Lark's history gives no uuid, and a 2.0 card's
 * content is not reliably the JSON sent, so every post of the bot into a chat must be recorded for this
 * to tell them apart: the `notify` job's (a unit's detail card tapped for there) and ops alerts are too.
 */
export async function findEarlierPost(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'clock'>,
  send: ScheduledSend,
  appId: string | undefined,
): Promise<string | undefined> {
  if (send.receiveIdType !== 'chat_id' || !send.unsureSince) return undefined;
  let pageToken: string | undefined;
  do {
    const page = await deps.gateway.listMessages({
      chatId: send.receiveId,
      startTime: new Date(send.unsureSince.getTime() - SKEW_MS),
      endTime: deps.clock.now(),
      pageToken,
    });
    const ours = page.items.filter(
      (i) =>
        i.sender?.sender_type === 'app' &&
        (!appId || i.sender.id === appId) &&
        !i.deleted &&
        !i.parent_id &&
        i.msg_type === send.msgType,
    );
    const known = await knownBotMessageIds(
      deps.db,
      ours.map((i) => i.message_id),
    );
    const lost = ours.find((i) => !known.has(i.message_id));
    if (lost) return lost.message_id;
    pageToken = page.hasMore ? page.pageToken : undefined;
  } while (pageToken);
  return undefined;
}
