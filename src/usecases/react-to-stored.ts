import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ChatGateway } from '../ports/chat-gateway.js';

/**
 * The quick acknowledgment: the bot's reaction on a message whose file was stored, so the sender
 * sees at once that it arrived (the burst's card follows after the quiet window). Best effort: Lark
 * refusing (message recalled, scope not granted) is logged and dropped; only rate limits, 5xx and
 * network errors are thrown for the job's few retries. Storage never depends on it.
 */
export async function reactToStored(
  deps: { gateway: ChatGateway; metrics: Metrics },
  input: { messageId: string; emojiType: string },
  log: Logger,
): Promise<void> {
  try {
    await deps.gateway.addReaction(input);
    deps.metrics.inc('stored_reactions_total', { outcome: 'added' });
  } catch (err) {
    if (err instanceof LarkApiError && !err.isRetryable) {
      deps.metrics.inc('stored_reactions_total', { outcome: 'refused' });
      log.warn({ err, messageId: input.messageId }, 'reaction refused; the material is stored anyway');
      return;
    }
    throw err;
  }
}
