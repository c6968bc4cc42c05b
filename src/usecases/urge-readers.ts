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
  /**
   * Lark could not tell because the 督办 is past its READ_RECEIPT_MS by our clock (it keeps no
   * receipts after that): the page says so instead of 「已读情况查不到」, which reads as a failure.
   */
  pastReceipts?: boolean;
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

/** How many read_users calls the pages make at once, shared by every view (a township of many villages). */
export const READERS_PARALLEL = 4;

/** A 督办 whose readers a page shows: its messages (one a chat) and when it went out. */
export interface UrgeMessages {
  messageIds: readonly string[];
  sentAt: Date;
}

export interface UrgeReadersDeps {
  gateway: Pick<ChatGateway, 'readUsers'>;
  clock: Clock;
  logger: Logger;
  /** Kept READERS_CACHE_MS: a refresh does not ask Lark again, and a late answer serves the next view. */
  cache: SharedLoads<UrgeReaders>;
  /** Runs a Lark call when one of the READERS_PARALLEL slots is free (readerSlots); none: at once. */
  slots?: <T>(call: () => Promise<T>) => Promise<T>;
  waitMs?: number;
}

/**
 * The readers of the last 督办 for a page: never an error and never a long wait. Lark is asked at
 * most once a READERS_CACHE_MS per 督办, not at all past its 7 days; whatever it cannot tell in
 * time is `complete: false` (the page says 「已读情况查不到」; past the 7 days `pastReceipts`, and the
 * page says 「超过 7 天，飞书不再提供已读情况」).
 */
export async function urgeReaders(deps: UrgeReadersDeps, urge: UrgeMessages): Promise<UrgeReaders> {
  return (await urgeReadersOfRows(deps, new Map([[0, urge]]))).get(0)!;
}

/**
 * The readers of several 督办 (a township page's villages, each row's last one) with one wait for
 * them all, not one per row: each 督办 is asked as urgeReaders asks it (the same cache, so a village
 * page and its township's row share one call; at most one call a message, READERS_PARALLEL at once),
 * and what has not come in after `waitMs` is `complete: false` for this view — the answer still lands
 * in the cache for the next one.
 */
export async function urgeReadersOfRows<K>(
  deps: UrgeReadersDeps,
  urges: ReadonlyMap<K, UrgeMessages>,
): Promise<Map<K, UrgeReaders>> {
  const answered = new Map<K, UrgeReaders>();
  const asked: Promise<void>[] = [];
  const now = deps.clock.now().getTime();
  for (const [key, urge] of urges) {
    if (urge.messageIds.length === 0 || now - urge.sentAt.getTime() > READ_RECEIPT_MS + ASK_MARGIN_MS)
      continue;
    const ids = [...urge.messageIds].sort();
    asked.push(
      deps.cache.getOrLoad(ids.join(','), () => readersOf(deps, ids)).then((r) => void answered.set(key, r)),
    );
  }
  const waitMs = deps.waitMs ?? READERS_WAIT_MS;
  if (asked.length > 0)
    try {
      await timeLimited(Promise.all(asked), waitMs, 'read_users');
    } catch {
      deps.logger.info(
        { urges: asked.length, answered: answered.size, waitMs },
        'read receipts not answered in time',
      );
    }
  // Copied now: an answer arriving after the wait is for the next view (from the cache), not this one.
  return new Map(
    [...urges].map(([k, urge]) => {
      const r = answered.get(k) ?? UNKNOWN;
      // Past the 7 days Lark keeps no receipts (not asked, or asked within the margin and refused).
      const past = !r.complete && now - urge.sentAt.getTime() > READ_RECEIPT_MS;
      return [k, past ? { ...r, pastReceipts: true } : r];
    }),
  );
}

/** READERS_PARALLEL (or `n`) slots for read_users calls: a call waits for a free one, first come first served. */
export function readerSlots(n = READERS_PARALLEL): <T>(call: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (call) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await call();
    } finally {
      // The slot passes straight to the next waiting call (running stays), or is freed.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

async function readersOf(deps: UrgeReadersDeps, messageIds: string[]): Promise<UrgeReaders> {
  const slot = deps.slots ?? ((call) => call());
  const answers = await Promise.allSettled(messageIds.map((id) => slot(() => deps.gateway.readUsers(id))));
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
