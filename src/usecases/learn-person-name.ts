import type { Db } from '../db/client.js';
import { insertPersonIfNew } from '../db/repos/people.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { ChatGateway } from '../ports/chat-gateway.js';

/**
 * A person's name from Lark's contacts (`GET /contact/v3/users/:open_id`, scope
 * `contact:user.base:readonly`), kept in `people` so pages, digests and the catalogue name them.
 * Someone outside the app's contact range, or a scope not granted, is logged and left unnamed (the
 * pages then say 「未登记姓名的成员」); only rate limits, 5xx and network errors are retried.
 */
export async function learnPersonName(
  deps: { db: Db; clock: Clock; gateway: ChatGateway },
  input: { openId: string },
  log: Logger,
): Promise<void> {
  try {
    const user = await deps.gateway.getUser(input.openId);
    if (!user) {
      log.info({ openId: input.openId }, 'person not in the app contact range: left unnamed');
      return;
    }
    await insertPersonIfNew(deps.db, { openId: input.openId, name: user.name }, deps.clock.now());
  } catch (err) {
    if (err instanceof LarkApiError && !err.isRetryable) {
      log.warn({ err, openId: input.openId }, 'person name lookup refused: left unnamed');
      return;
    }
    throw err;
  }
}
