import { DESCRIBE_ITEM } from '../cards/actions.js';
import { describeItem } from './describe-item.js';
import { cardAction } from './feature.js';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Card action `describe-item` (the DA/T 50 form): value `{ i: itemId }`, form fields `reason`,
 * `place`, `people`. Answers with a toast naming what is still missing.
 */
export const describeItemAction = cardAction({
  type: DESCRIBE_ITEM,
  handle: async (deps, action) => {
    const form = action.formValue ?? {};
    const outcome = await describeItem(deps, {
      itemId: action.value.i,
      reason: text(form.reason),
      place: text(form.place),
      people: text(form.people),
      actor: action.operatorOpenId,
      source: 'card',
    });
    if (outcome.status === 'refused') return { toast: { type: 'error', content: outcome.message } };
    return { toast: { type: outcome.gaps.length > 0 ? 'info' : 'success', content: outcome.message } };
  },
});
