import { requestDroppedCard } from '../cards/correction-cards.js';
import { FIX_DESCRIBE, FIX_DROP } from '../cards/actions.js';
import { approvedOpenRequest, itemForCorrection } from '../db/repos/correction-items.js';
import { fieldChangedBy, type FieldChange } from '../db/repos/field-changed-by.js';
import { fieldChange } from '../domain/drawn-field.js';
import { actorLabel } from '../domain/person-name.js';
import { DomainError } from '../errors.js';
import type { CardResponse } from './card-response.js';
import { withFilerName } from './chat-member-names.js';
import { correctionCardNow } from './correction-card-now.js';
import { describeItem } from './describe-item.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { itemFacts } from './item-facts.js';
import { dropApprovedRequest } from './request-correction.js';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A field emptied on the form is left as it was (as on the item page): only a 文号 emptied means none. */
const unlessBlank = (c: string | undefined) => (c === '' ? undefined : c);

type FormField = 'title' | 'responsible' | 'date' | 'docNumber';
const WORDS: Record<FormField, string> = {
  title: '题名',
  responsible: '责任者',
  date: '日期',
  docNumber: '文号',
};

/** How a field came to differ from the form: 「已被张三在网页上改过」. */
function changedBy(c: FieldChange | undefined): string {
  if (!c) return '已被他人改过';
  const who = actorLabel(c.actor, c.actorName);
  if (c.action === 'refile') return `已随${who}的改归改过`;
  const where = c.source === 'page' ? '在网页上' : c.source === 'card' ? '在卡片上' : '';
  return `已被${who}${where}改过`;
}

/**
 * The correction card's 更正著录 and 不用改了. 更正著录 (`fix-describe`) saves through describeItem
 * (source `card`) the fields changed from what the form was drawn with (fieldChange against the
 * marks its button carries, so a stale form undoes nothing saved since), a confirmed item's too (its
 * 档号 stays); made from an approved request's card (`r`) it carries that request out. A field changed
 * here that someone else changed since the card was drawn (the item page, another card, a refile's
 * 题名) is not saved, the others are (describeItem `save: 'others'`, under the item's row lock); the
 * toast says who changed it. The card is drawn again as it is now. 不用改了 (`fix-drop`) closes an
 * approved request without a change.
 */
export function correctionDescribeActions(o: {
  timeZone: string;
  /** Wakes the job worker after notifications were enqueued. */
  wakeJobs: () => void;
}): DeclaredCardAction[] {
  return [
    cardAction({
      type: FIX_DESCRIBE,
      handle: async (deps, a): Promise<CardResponse> => {
        const v = a.value;
        const found = await itemForCorrection(deps.db, v.i);
        if (!found) throw new DomainError('item_not_found', '找不到这件材料');
        if (found.undone) throw new DomainError('item_undone', '这件材料已经撤下了');
        const form = a.formValue ?? {};
        const marks: Record<FormField, string | undefined> = {
          title: v.t,
          responsible: v.p,
          date: v.d,
          docNumber: v.n,
        };
        const changes = Object.fromEntries(
          Object.entries({
            title: unlessBlank(fieldChange(text(form.title), v.t)),
            responsible: unlessBlank(fieldChange(text(form.responsible), v.p)),
            date: unlessBlank(fieldChange(text(form.date), v.d)),
            docNumber: fieldChange(text(form.docNumber), v.n),
          }).filter(([, c]) => c !== undefined),
        ) as Partial<Record<FormField, string>>;
        // What each changed field was drawn with ('' blank): one changed since is not overwritten.
        const drawn = Object.fromEntries(Object.keys(changes).map((k) => [k, marks[k as FormField] ?? '']));
        const again = async (note: string) =>
          correctionCardNow(deps, await withFilerName(deps, (await itemForCorrection(deps.db, v.i))!), {
            timeZone: o.timeZone,
            note,
            ...(v.r !== undefined && (await approvedOpenRequest(deps.db, v.i))?.id === v.r
              ? { request: v.r }
              : {}),
          });
        if (Object.keys(changes).length === 0)
          return { toast: { type: 'info', content: '著录没有改动' }, ...(await again('著录没有改动。')) };
        const outcome = await describeItem(deps, {
          itemId: v.i,
          ...changes,
          actor: a.operatorOpenId,
          source: 'card',
          drawn,
          save: 'others',
          ...(v.r !== undefined ? { requestId: v.r } : {}),
        });
        const clashed = (outcome.changedMeanwhile ?? []) as FormField[];
        if (outcome.status === 'refused' && clashed.length === 0)
          return { toast: { type: 'error', content: outcome.message } };
        // The requester's answer, when this carried out their request, was enqueued with the save.
        if (v.r !== undefined) o.wakeJobs();
        const closed = v.r !== undefined && (await approvedOpenRequest(deps.db, v.i))?.id !== v.r;
        const saved =
          `已保存著录${closed ? '，已告知申请人改好了' : ''}` +
          (outcome.status === 'described' && outcome.transferred ? `。${outcome.transferred}` : '');
        if (clashed.length === 0)
          return { toast: { type: 'success', content: saved }, ...(await again(`${saved}。`)) };
        // Someone changed a field since the card was drawn: theirs stays, the card shows it, and what
        // was typed for it is said on the card (a redrawn form cannot keep it).
        const by = await fieldChangedBy(deps.db, v.i, clashed);
        const said = `${clashed.map((k) => `「${WORDS[k]}」${changedBy(by.get(k))}`).join('；')}，没有保存您填的`;
        const toast = outcome.status === 'described' ? `${saved}；${said}` : said;
        const typed = clashed.map((k) => `${WORDS[k]}「${changes[k] || '（空）'}」`).join('、');
        return {
          toast: { type: 'warning', content: toast },
          ...(await again(`${toast}。下面是现在的内容，您填的是${typed}，请核对后再改。`)),
        };
      },
    }),

    cardAction({
      type: FIX_DROP,
      handle: async (deps, a): Promise<CardResponse> => {
        const reason = (text(a.formValue?.reason) ?? '').trim();
        const res = await dropApprovedRequest(deps, {
          requestId: a.value.r,
          actorOpenId: a.operatorOpenId,
          reason,
        });
        if (res.status === 'refused') return { toast: { type: 'error', content: res.message } };
        o.wakeJobs();
        const item = await withFilerName(deps, (await itemForCorrection(deps.db, res.itemId))!);
        return {
          toast: { type: 'success', content: res.message },
          card: {
            type: 'raw',
            data: requestDroppedCard(itemFacts(item, deps.clock.now(), o.timeZone), reason.slice(0, 100)),
          },
        };
      },
    }),
  ];
}
