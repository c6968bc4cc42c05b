import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';
import { timeLimited } from '../time-limit.js';

/**
 * Who read a 督办: the union of its messages' readers (one per chat it went to). `complete`: Lark
 * answered for every message, so no reader means nobody read it; otherwise Lark could not tell for
 * some (older than it keeps receipts, refused, failed, too slow) and only the readers found are known.
 */
export interface UrgeReaders {
  openIds: string[];
  complete: boolean;
}

/** Lark answers read receipts for 7 days after a message is sent (230033 after that). */
export const READ_RECEIPT_MS = 7 * 86_400_000;
/** Past 7 days by our clock and an hour more (clocks differ): not asked at all, Lark would refuse. */
const ASK_MARGIN_MS = 60 * 60_000;
/** How long a page waits for Lark's answer; a slower one lands in the cache for the next view. */
export const READERS_WAIT_MS = 1500;
/** A page refreshed within this time shows the answer Lark gave, without asking again. */
export const READERS_CACHE_MS = 60_000;

const UNKNOWN: UrgeReaders = { openIds: [], complete: false };

/** A cache sharing one load between callers (lark/ttl-cache.ts's TtlCache). */
export interface SharedLoads<V> {
  getOrLoad(key: string, load: () => Promise<V>): Promise<V>;
}

export interface UrgeReadersDeps {
  gateway: Pick<ChatGateway, 'readUsers'>;
  clock: Clock;
  logger: Logger;
  /** Kept READERS_CACHE_MS: a refresh does not ask Lark again, and a late answer serves the next view. */
  cache: SharedLoads<UrgeReaders>;
  waitMs?: number;
}

/**
 * The readers of the last 督办 for a page: never an error and never a long wait. Lark is asked at
 * most once a READERS_CACHE_MS per 督办, not at all past its 7 days; whatever it cannot tell in
 * time is `complete: false` (the page says 「已读情况查不到」).
 */
export async function urgeReaders(
  deps: UrgeReadersDeps,
  urge: { messageIds: readonly string[]; sentAt: Date },
): Promise<UrgeReaders> {
  const age = deps.clock.now().getTime() - urge.sentAt.getTime();
  if (urge.messageIds.length === 0 || age > READ_RECEIPT_MS + ASK_MARGIN_MS) return UNKNOWN;
  const ids = [...urge.messageIds].sort();
  const waitMs = deps.waitMs ?? READERS_WAIT_MS;
  try {
    return await timeLimited(
      deps.cache.getOrLoad(ids.join(','), () => readersOf(deps, ids)),
      waitMs,
      'read_users',
    );
  } catch {
    deps.logger.info({ messages: ids.length, waitMs }, 'read receipts not answered in time');
    return UNKNOWN;
  }
}

async function readersOf(deps: UrgeReadersDeps, messageIds: string[]): Promise<UrgeReaders> {
  const answers = await Promise.allSettled(messageIds.map((id) => deps.gateway.readUsers(id)));
  const openIds = new Set<string>();
  let complete = true;
  answers.forEach((a, i) => {
    if (a.status === 'fulfilled') {
      for (const id of a.value) openIds.add(id);
      return;
    }
    complete = false;
    const err: unknown = a.reason;
    // Lark said no (230033: past its 7 days; 230002: the bot left the chat; a scope) or did not answer.
    if (err instanceof LarkApiError)
      deps.logger.info({ messageId: messageIds[i], code: err.larkCode }, 'read receipts refused by Lark');
    else deps.logger.warn({ messageId: messageIds[i], err }, 'read receipts unreadable');
  });
  return { openIds: [...openIds], complete };
}
