import type { CardAction } from '../domain/incoming.js';
import { errorMessage, DomainError } from '../errors.js';
import type { BotDeps } from './deps.js';

/** What a card callback answers (Lark shows the toast, and replaces the card when `card` is set). */
export interface CardResponse {
  toast?: { type: 'success' | 'error' | 'info' | 'warning'; content: string };
  card?: { type: 'raw'; data: object };
}

export type CardActionHandler = (deps: BotDeps, action: CardAction) => Promise<CardResponse>;

/**
 * Routes card button clicks by `value.a` (the action name our cards put in every button).
 * Runs inside Lark's 3-second window, so handlers touch only the database.
 */
export class CardActionRouter {
  private readonly handlers = new Map<string, CardActionHandler>();

  register(name: string, handler: CardActionHandler): this {
    this.handlers.set(name, handler);
    return this;
  }

  async handle(deps: BotDeps, action: CardAction): Promise<CardResponse> {
    const name = typeof action.value.a === 'string' ? action.value.a : '';
    const handler = this.handlers.get(name);
    if (!handler) {
      deps.metrics.inc('card_actions_total', { action: 'unknown', result: 'refused' });
      return { toast: { type: 'error', content: '这个按钮已失效，请重新发送指令。' } };
    }
    try {
      const res = await handler(deps, action);
      deps.metrics.inc('card_actions_total', { action: name, result: 'ok' });
      return res;
    } catch (err) {
      deps.metrics.inc('card_actions_total', { action: name, result: 'error' });
      if (err instanceof DomainError) return { toast: { type: 'error', content: err.message } };
      deps.logger.error({ action: name, err: errorMessage(err) }, 'card action failed');
      return { toast: { type: 'error', content: '操作失败，请稍后再试。' } };
    }
  }
}
