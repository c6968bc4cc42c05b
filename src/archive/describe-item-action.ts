import type { CardActionHandler } from '../usecases/card-actions.js';
import { describeItem } from '../usecases/describe-item.js';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Card action `describe-item` (the DA/T 50 form): value `{ a: 'describe-item', i: itemId }`, form
 * fields `reason`, `place`, `people`. Answers with a toast naming what is still missing.
 */
export const describeItemAction: CardActionHandler = async (deps, action) => {
  const itemId = Number(action.value.i ?? action.value.itemId);
  if (!Number.isSafeInteger(itemId) || itemId <= 0)
    return { toast: { type: 'error', content: '这个表单已失效，请重新打开' } };
  const form = action.formValue ?? {};
  const outcome = await describeItem(deps, {
    itemId,
    reason: text(form.reason),
    place: text(form.place),
    people: text(form.people),
    actor: action.operatorOpenId,
    source: 'card',
  });
  if (outcome.status === 'refused') return { toast: { type: 'error', content: outcome.message } };
  return { toast: { type: outcome.gaps.length > 0 ? 'info' : 'success', content: outcome.message } };
};
