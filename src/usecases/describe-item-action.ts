import { uncountedNote, uncountedOf } from './uncounted-note.js';
import { DESCRIBE_EDIT, DESCRIBE_ITEM } from '../cards/actions.js';
import { filedCard } from '../cards/filing-card.js';
import { getDescription } from '../db/repos/archive-descriptions.js';
import { taskProgress } from '../db/repos/completeness.js';
import { itemForCorrection } from '../db/repos/correction-items.js';
import { materialsOfBurst } from '../db/repos/materials.js';
import { undoableNow } from '../domain/checklist-filing.js';
import { fieldChange } from '../domain/drawn-field.js';
import { DomainError } from '../errors.js';
import { burstSummary } from './acknowledge-burst.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import { describeItem } from './describe-item.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { itemTaskLabel } from './item-facts.js';
import { withFilerName } from './chat-member-names.js';
import { onPartsCard } from './split-parts.js';
import { filedProgressText } from './present-burst.js';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

type Fields = { reason?: string | null; place?: string | null; people?: string | null };

/** 「照片说明：事由 …；地点 …；人物 …」 with what is still missing. */
export function savedLine(d: Fields): string {
  const parts = [
    ['事由', d.reason],
    ['地点', d.place],
    ['人物', d.people],
  ] as const;
  const given = parts.filter(([, v]) => v).map(([k, v]) => `${k} ${v}`);
  const missing = parts.filter(([, v]) => !v).map(([k]) => k);
  return `照片说明：${given.join('；') || '（未填）'}${missing.length ? `（还缺${missing.join('、')}）` : ''}`;
}

/** The form and its card act only in the item's own chat: a value carried into another is refused. */
function refuseFromOtherChat(item: { chatId: string | null }, a: { chatId?: string }): void {
  if (item.chatId !== null && a.chatId !== undefined && a.chatId !== item.chatId)
    throw new DomainError('bad_action', '这个按钮已失效');
}

/**
 * The filed card of an item as it is now, either with the description folded into one line or with
 * the form open again (修改说明), filled with what was saved. Only from the item's own chat.
 */
async function filedCardNow(
  deps: BotDeps,
  o: { maxFileBytes: number },
  a: { chatId?: string; operatorOpenId: string },
  itemId: number,
  formOpen: boolean,
): Promise<object | undefined> {
  const read = await itemForCorrection(deps.db, itemId);
  if (!read || read.undone || read.burstId === null) return undefined;
  const burstId = read.burstId;
  refuseFromOtherChat(read, a);
  // Someone else filed it: the card names them (提交人), as the filed card drawn for that tapper does
  // (filing-actions.ts filedNow); it was dropped when the card was drawn again after 保存照片说明.
  const other = a.operatorOpenId !== read.filedBy;
  const item = other ? await withFilerName(deps, read) : read;
  const [materials, p, d] = await Promise.all([
    materialsOfBurst(deps.db, burstId),
    taskProgress(deps.db, item.taskId),
    getDescription(deps.db, item.id),
  ]);
  const fields: Fields = { reason: d?.reason, place: d?.place, people: d?.people };
  return filedCard({
    burstId,
    itemId: item.id,
    summary: burstSummary(materials, o.maxFileBytes),
    taskLabel: itemTaskLabel(item),
    progressText: p ? filedProgressText(p, materials, item.nPhoto) : '',
    uncounted: uncountedNote(uncountedOf(materials, p?.kinds ?? []), undoableNow(item, deps.clock.now())),
    undoable: undoableNow(item, deps.clock.now()),
    ...(other && item.filedByName !== null ? { filedByName: item.filedByName } : {}),
    pageUrl: deps.pageUrl?.(`/items/${item.id}`),
    ...(formOpen
      ? { askDescription: true, descriptionDraft: fields, descriptionSaved: fields }
      : { savedDescription: savedLine(fields) }),
  });
}

/**
 * Card action `describe-item` (the DA/T 50 form): value `{ i: itemId }` with the marks of the fields
 * saved when the form was drawn, form fields `reason`, `place`, `people` (a field is saved or cleared
 * only when changed from what the form was drawn with: fieldChange). Answers with a toast naming what is still missing, and folds the form into a
 * line showing what was saved (with 修改说明 to open it again).
 */
export function describeItemActions(o: { maxFileBytes: number }): DeclaredCardAction[] {
  return [
    cardAction({
      type: DESCRIBE_ITEM,
      handle: async (deps, action): Promise<CardResponse> => {
        const form = action.formValue ?? {};
        // Checked before anything is written (the card drawn afterwards checks it too).
        const item = await itemForCorrection(deps.db, action.value.i);
        if (item) refuseFromOtherChat(item, action);
        // Only what the officer changed from what the form was drawn with: a stale form (drawn before
        // the description was saved on the page or another copy of the card) sends its blanks and old
        // values too, and they must not clear or undo what was saved since.
        const v = action.value;
        const changes = {
          reason: fieldChange(text(form.reason), v.r),
          place: fieldChange(text(form.place), v.p),
          people: fieldChange(text(form.people), v.o),
        };
        const drawnFilled = v.r !== undefined || v.p !== undefined || v.o !== undefined;
        if (drawnFilled && Object.values(changes).every((c) => c === undefined)) {
          const card = await filedCardNow(deps, o, action, v.i, false);
          return onPartsCard(deps, action.messageId, {
            toast: { type: 'info', content: '说明没有改动' },
            ...(card ? { card: { type: 'raw' as const, data: card } } : {}),
          });
        }
        const outcome = await describeItem(deps, {
          itemId: v.i,
          ...changes,
          actor: action.operatorOpenId,
          source: 'card',
        });
        if (outcome.status === 'refused') return { toast: { type: 'error', content: outcome.message } };
        const card = await filedCardNow(deps, o, action, action.value.i, false);
        // Opened from a split burst's parts card: saved, the card lists the parts again.
        return onPartsCard(deps, action.messageId, {
          toast: { type: outcome.gaps.length > 0 ? 'info' : 'success', content: outcome.message },
          ...(card ? { card: { type: 'raw' as const, data: card } } : {}),
        });
      },
    }),
    cardAction({
      type: DESCRIBE_EDIT,
      handle: async (deps, action): Promise<CardResponse> => {
        const card = await filedCardNow(deps, o, action, action.value.i, true);
        return card
          ? { card: { type: 'raw', data: card } }
          : { toast: { type: 'info', content: '这条提交已经撤销了' } };
      },
    }),
  ];
}
