import { listChats } from '../db/repos/chats.js';
import { knownMessageIds } from '../db/repos/messages.js';
import type { LarkMessageItem } from '../ports/chat-gateway.js';
import type { BotDeps } from './deps.js';

export interface ReconcileResult {
  chats: number;
  apiCalls: number;
  seen: number;
  recovered: number;
  failedChats: string[];
}

/**
 * Closes gaps left by lost events (a silently dead socket, an outage longer than Lark's retries):
 * lists each active chat's recent messages and records any the bot never saw, through the same
 * path as a live event (`record`, i.e. inbound_events with source `reconcile`).
 */
export async function reconcileChats(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'clock' | 'logger' | 'metrics'>,
  opts: {
    lookbackMs: number;
    record: (item: LarkMessageItem, chatType: string) => Promise<'accepted' | 'duplicate'>;
  },
): Promise<ReconcileResult> {
  const now = deps.clock.now();
  const start = new Date(now.getTime() - opts.lookbackMs);
  const result: ReconcileResult = { chats: 0, apiCalls: 0, seen: 0, recovered: 0, failedChats: [] };
  for (const chat of await listChats(deps.db, { activeOnly: true })) {
    result.chats++;
    let pageToken: string | undefined;
    try {
      do {
        const page = await deps.gateway.listMessages({
          chatId: chat.chatId,
          startTime: start,
          endTime: now,
          pageToken,
        });
        result.apiCalls++;
        deps.metrics.inc('reconcile_api_calls_total');
        const items = page.items.filter((i) => i.sender?.sender_type === 'user' && !i.deleted);
        result.seen += items.length;
        const known = await knownMessageIds(
          deps.db,
          items.map((i) => i.message_id),
        );
        for (const item of items) {
          if (known.has(item.message_id)) continue;
          if ((await opts.record(item, chat.chatType)) === 'accepted') result.recovered++;
        }
        pageToken = page.hasMore ? page.pageToken : undefined;
      } while (pageToken);
    } catch (err) {
      result.failedChats.push(chat.chatId);
      deps.logger.warn({ chatId: chat.chatId, err }, 'reconciliation of a chat failed');
    }
  }
  deps.metrics.inc('reconcile_recovered_total', {}, result.recovered);
  if (result.recovered > 0) deps.logger.warn(result, 'reconciliation recovered messages the bot had missed');
  else deps.logger.info(result, 'reconciliation found no gaps');
  return result;
}
