import { STALE_BUTTON } from '../domain/card-action-type.js';
import type { CardAction } from '../domain/incoming.js';
import { DomainError } from '../errors.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import type { DeclaredCardAction } from './feature.js';

export type { CardResponse } from './card-response.js';

/**
 * Answers card button clicks: finds the declared action by `value.a` (the name our cards put in
 * every button), parses the value with its schema and runs the handler. An unknown action or a
 * value that does not match (forged, or from an older card) gets a toast and changes nothing.
 */
export class CardActions {
  constructor(private readonly actions: ReadonlyMap<string, DeclaredCardAction>) {}

  has(name: string): boolean {
    return this.actions.has(name);
  }

  async handle(deps: BotDeps, action: CardAction): Promise<CardResponse> {
    const name = typeof action.value.a === 'string' ? action.value.a : '';
    const declared = this.actions.get(name);
    if (!declared) {
      deps.metrics.inc('card_actions_total', { action: 'unknown', result: 'refused' });
      return { toast: { type: 'error', content: STALE_BUTTON } };
    }
    const parsed = declared.parse(action);
    if (!parsed) {
      deps.metrics.inc('card_actions_total', { action: name, result: 'refused' });
      return { toast: { type: 'error', content: declared.stale } };
    }
    try {
      const res = await declared.handle(deps, parsed);
      deps.metrics.inc('card_actions_total', { action: name, result: 'ok' });
      return res;
    } catch (err) {
      deps.metrics.inc('card_actions_total', { action: name, result: 'error' });
      if (err instanceof DomainError) return { toast: { type: 'error', content: err.message } };
      deps.logger.error({ action: name, err }, 'card action failed');
      return { toast: { type: 'error', content: '操作失败，请稍后再试。' } };
    }
  }
}
