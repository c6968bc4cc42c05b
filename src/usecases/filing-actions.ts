import { MATERIALS_BUTTON_GONE } from '../domain/materials-button-gone.js';
import { uncountedNote, uncountedOf } from './uncounted-note.js';
import { confirmUndoCard, filedCard, skippedCard } from '../cards/filing-card.js';
import { taskProgress, unitsWithOpenTasks } from '../db/repos/completeness.js';
import { itemForCorrection, type ItemForCorrection } from '../db/repos/correction-items.js';
import { filingRoundOfBurst, getLiveFilingOfBurst } from '../db/repos/filings.js';
import { getTaskContext } from '../db/repos/tasks.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { undoDeadline, undoableNow } from '../domain/checklist-filing.js';
import { askFilerOrArchivist, itemTaskLabel } from './item-facts.js';
import { withFilerName } from './chat-member-names.js';
import { filedProgressText } from './present-burst.js';
import { DomainError } from '../errors.js';
import type { BurstView } from './acknowledge-burst.js';
import { clickedBurst as burstOfClick, clickedBurstView, type Where } from './burst-click.js';
import type { CardResponse } from './card-response.js';
import { FILE, FILE_SELECT, FILED_VIEW, PARTS_VIEW, REOPEN, SKIP, UNDO } from '../cards/actions.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import type { BotDeps } from './deps.js';
import { canFile, fileBurst } from './file-burst.js';
import { presentBurst, resultCard, waivedTaskNotice, type PresentDeps } from './present-burst.js';
import { filedElsewhereCardOf, withdrawnCardOf } from './recall-card.js';
import { recordUnlessFiled } from './record-unless-filed.js';
import { setAsideNamed } from './set-aside-by.js';
import { backToParts, onPartsCard, partsCardOf } from './split-parts.js';
import { mayUndo, undoFiling } from './undo-filing.js';

export interface FilingActionDeps {
  isChatMember: PresentDeps['isChatMember'];
  timeZone: string;
  quietWindowMs: number;
  maxFileBytes: number;
}

/** A tap: where it came from, who tapped, and its button's value. */
type Click<V> = Where & { operatorOpenId: string; value: V };

const num = (v: unknown): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new DomainError('bad_action', MATERIALS_BUTTON_GONE);
  return n;
};

/** The filing card's buttons: file (button or menu), 不归档, 重新选择, 撤销. */
export function filingActions(o: FilingActionDeps): DeclaredCardAction[] {
  const present = (deps: BotDeps): PresentDeps => ({
    ...deps,
    isChatMember: o.isChatMember,
    timeZone: o.timeZone,
  });

  const clickedBurst = burstOfClick;
  const view = (deps: BotDeps, a: Where, burstId: number): Promise<BurstView> =>
    clickedBurstView(deps, o, a, burstId);

  const file = async (
    deps: BotDeps,
    a: Where & { operatorOpenId: string },
    burstId: number,
    taskId: number,
    round: number | undefined,
  ): Promise<CardResponse> => {
    const burst = await clickedBurst(deps, a, burstId);
    // The card offers the chat's unit's tasks only: a value naming another unit's task (forged, or
    // from a card drawn before the chat was bound elsewhere) files nothing, whoever taps it.
    const task = await getTaskContext(deps.db, taskId);
    if (!task || task.unitId !== (await unitOfChat(deps.db, burst.chatId))?.id)
      throw new DomainError('bad_action', MATERIALS_BUTTON_GONE);
    // A tap from a card drawn before the last filing or 撤销 (e.g. a replayed 「归档」) files nothing.
    if (
      round !== undefined &&
      round !== (await filingRoundOfBurst(deps.db, burstId)) &&
      !(await getLiveFilingOfBurst(deps.db, burstId))
    )
      return cardAsItIsNow(present(deps), await view(deps, a, burstId));
    let outcome;
    try {
      outcome = await fileBurst(present(deps), {
        burstId,
        taskId,
        actorOpenId: a.operatorOpenId,
        via: 'card',
      });
    } catch (err) {
      // Waived (免交) after this card was drawn: not the officer's mistake. Said plainly, with the
      // card drawn again as it is now, without that task (the materials stay kept either way).
      if (err instanceof DomainError && err.code === 'task_waived') {
        // Its unit's last open task: 「请另选任务」 would point at none (the card says what comes next).
        const others = (await unitsWithOpenTasks(deps.db, [task.unitId])).has(task.unitId);
        const notice = waivedTaskNotice(task, others);
        const msg = await presentBurst(present(deps), await view(deps, a, burstId), {
          auto: false,
          notice,
        });
        return {
          toast: { type: 'info', content: notice },
          card: { type: 'raw', data: JSON.parse(msg.content) },
        };
      }
      // Every file recalled (its card not patched yet, or Lark refused the patch): the card says so.
      if (err instanceof DomainError && err.code === 'burst_recalled')
        return {
          toast: { type: 'info', content: err.message },
          card: { type: 'raw', data: await withdrawnCardOf(deps, burstId) },
        };
      // Its files all in another live item (并入 / 移出 there): where they are, on a card with no task
      // to choose and no 撤销; nothing is filed.
      if (err instanceof DomainError && err.code === 'burst_filed_elsewhere') {
        const card = await filedElsewhereCardOf(deps, burstId);
        return {
          toast: { type: 'info', content: err.message },
          ...(card ? { card: { type: 'raw', data: card } } : {}),
        };
      }
      throw err;
    }
    if (outcome.status === 'refused') return { toast: { type: 'error', content: outcome.message } };
    const v = await view(deps, a, burstId);
    // Filed meanwhile (a colleague on another copy of the card): where it went and who may change it,
    // not 「已交到「C03 …」」, which read as if this tap (on another task) had filed it there.
    if (outcome.status === 'already_filed')
      return alreadyFiledAnswer(
        deps,
        v,
        { id: outcome.itemId, taskId: outcome.task.id, filedAt: outcome.filedAt },
        a.operatorOpenId,
      );
    return {
      toast: { type: outcome.status === 'filed' ? 'success' : 'info', content: outcome.message },
      card: {
        type: 'raw',
        data: resultCard(burstId, v.summary, outcome, deps.clock.now(), deps.pageUrl, v.caption),
      },
    };
  };

  return [
    cardAction({
      type: FILE,
      handle: async (deps, a) =>
        onPartsCard(deps, a.messageId, await file(deps, a, a.value.b, a.value.t, a.value.r)),
    }),
    cardAction({
      type: FILE_SELECT,
      handle: async (deps, a) =>
        onPartsCard(deps, a.messageId, await file(deps, a, a.value.b, num(a.option), a.value.r)),
    }),

    cardAction({
      type: SKIP,
      handle: async (deps, a) => onPartsCard(deps, a.messageId, await skip(deps, a)),
    }),

    cardAction({
      type: REOPEN,
      handle: async (deps, a) => onPartsCard(deps, a.messageId, await reopen(deps, a)),
    }),

    // 不撤销 on the confirmation: the filed card again, as it is now (on the parts card, the parts card;
    // a part not filed there opens its own filing card, every task within two taps: 其他任务, with
    // 返回 to the parts card, so the officer is never left on one part's card with no way back).
    cardAction({
      type: FILED_VIEW,
      handle: async (deps, a) => {
        const v = await view(deps, a, a.value.b);
        const item = await getLiveFilingOfBurst(deps.db, v.burst.id);
        if (!item) {
          const back = await backToParts(deps, a.messageId, v.burst.id);
          const msg = await presentBurst(present(deps), v, { auto: false, ...(back ? { back } : {}) });
          return { card: { type: 'raw', data: JSON.parse(msg.content) } };
        }
        return onPartsCard(deps, a.messageId, {
          card: { type: 'raw', data: (await filedNow(deps, v, item)).card },
        });
      },
    }),

    // 返回 on a part's own filing card: the parts card as it is now (nothing changes).
    cardAction({
      type: PARTS_VIEW,
      handle: async (deps, a) => {
        const v = await view(deps, a, a.value.b);
        const parts = a.messageId ? await partsCardOf(deps, a.messageId) : undefined;
        return parts ? { card: { type: 'raw', data: parts } } : cardAsItIsNow(present(deps), v);
      },
    }),

    cardAction({
      type: UNDO,
      handle: async (deps, a) => {
        const res = await undo(deps, a);
        // The question (确定撤销 / 不撤销) is the part's own, on the whole card; the answer is the parts card.
        return a.value.sure === 1 ? onPartsCard(deps, a.messageId, res) : res;
      },
    }),
  ];

  async function skip(deps: BotDeps, a: Click<{ b: number }>): Promise<CardResponse> {
    const v = await view(deps, a, a.value.b);
    // Filed meanwhile (on another copy of the card: one sent again, 未归档): nothing to set aside.
    const filed = await getLiveFilingOfBurst(deps.db, v.burst.id);
    if (filed) return alreadyFiledAnswer(deps, v, filed, a.operatorOpenId);
    // Whoever may file the burst may set it aside (a colleague's voice note or chat picture the
    // reminders keep sending again): the members of the unit's chats and its people (canFile). The
    // audit row and the card name who did it; 重新选择任务 undoes it.
    const unit = await unitOfChat(deps.db, v.burst.chatId);
    if (
      a.operatorOpenId !== v.burst.senderOpenId &&
      !(unit && (await canFile(present(deps), a.operatorOpenId, unit, v.burst.chatId)))
    )
      return {
        toast: {
          type: 'error',
          content: `只有${unit?.name ?? '本单位'}的工作群成员或工作人员可以选「不用交」`,
        },
      };
    // Recorded: a burst set aside is no longer chased by reminders or 未归档. Checked again under
    // the burst's lock: a filing on another copy that got in first wins (recordUnlessFiled).
    const live = await recordUnlessFiled(deps, {
      at: deps.clock.now(),
      actor: a.operatorOpenId,
      action: 'set_aside',
      source: 'card',
      unitId: unit?.id ?? null,
      burstId: v.burst.id,
      chatId: v.burst.chatId,
    });
    if (live) return alreadyFiledAnswer(deps, v, live, a.operatorOpenId);
    return {
      toast: { type: 'info', content: '已标记为不用交' },
      card: {
        type: 'raw',
        data: skippedCard({
          burstId: v.burst.id,
          summary: v.summary,
          ...(await setAsideNamed(deps, v.burst)),
        }),
      },
    };
  }

  async function reopen(deps: BotDeps, a: Click<{ b: number }>): Promise<CardResponse> {
    const v = await view(deps, a, a.value.b);
    // Filed meanwhile on another copy of its card (before this tap, or racing it under the
    // burst's lock: recordUnlessFiled): nothing to choose again.
    const live = await recordUnlessFiled(deps, {
      at: deps.clock.now(),
      actor: a.operatorOpenId,
      action: 'reopen',
      source: 'card',
      burstId: v.burst.id,
      chatId: v.burst.chatId,
    });
    if (live) return alreadyFiledAnswer(deps, v, live, a.operatorOpenId);
    const msg = await presentBurst(present(deps), v, { auto: false });
    return { card: { type: 'raw', data: JSON.parse(msg.content) } };
  }

  async function undo(deps: BotDeps, a: Click<{ b: number; i: number; sure?: 1 }>): Promise<CardResponse> {
    if (a.value.sure !== 1) {
      // The burst's chat and card first: from elsewhere nothing is said about the item.
      const v = await view(deps, a, a.value.b);
      const item = await itemForCorrection(deps.db, a.value.i);
      if (item && item.burstId !== a.value.b) throw new DomainError('bad_action', MATERIALS_BUTTON_GONE);
      if (!item || item.undone) return undoneAnswer(deps, a.value.b);
      const expired = await pastUndo(deps, v);
      if (expired) return expired;
      if (item.archivalCode) return confirmedAnswer(deps, v);
      // Someone else's filing: whom to ask, at once (it was 确定撤销？, then a refusal naming nobody).
      if (!(await mayUndo(deps.db, a.operatorOpenId, item)))
        return othersFilingAnswer(deps, v, item, a.operatorOpenId);
      return {
        card: {
          type: 'raw',
          data: confirmUndoCard({
            burstId: v.burst.id,
            itemId: item.id,
            summary: v.summary,
            taskLabel: itemTaskLabel(item),
          }),
        },
      };
    }
    await clickedBurst(deps, a, a.value.b);
    const sureItem = await itemForCorrection(deps.db, a.value.i);
    if (sureItem && sureItem.burstId !== a.value.b)
      throw new DomainError('bad_action', MATERIALS_BUTTON_GONE);
    const outcome = await undoFiling(deps, {
      itemId: a.value.i,
      actorOpenId: a.operatorOpenId,
      source: 'card',
    });
    if (outcome.status === 'refused') {
      const expired = outcome.reason === 'expired' && (await pastUndo(deps, await view(deps, a, a.value.b)));
      if (!expired && outcome.reason === 'confirmed')
        return confirmedAnswer(deps, await view(deps, a, a.value.b));
      if (!expired && outcome.reason === 'not_allowed' && sureItem)
        return othersFilingAnswer(deps, await view(deps, a, a.value.b), sureItem, a.operatorOpenId);
      return expired || { toast: { type: 'error', content: outcome.message } };
    }
    if (outcome.status === 'already_undone' && (await filedElsewhereCardOf(deps, a.value.b)))
      return undoneAnswer(deps, a.value.b);
    const v = await view(deps, a, a.value.b);
    const msg = await presentBurst(present(deps), v, { auto: false });
    return {
      toast: { type: 'success', content: outcome.message },
      card: { type: 'raw', data: JSON.parse(msg.content) },
    };
  }
}

/**
 * 撤销 on a filing already undone. Its files all in another live item (it was 并入 one): where they
 * are, and the card drawn without 撤销 (it offered to undo an item that no longer is one).
 */
async function undoneAnswer(deps: BotDeps, burstId: number): Promise<CardResponse> {
  const card = await filedElsewhereCardOf(deps, burstId);
  if (!card) return { toast: { type: 'info', content: '这条提交已经撤销了' } };
  return {
    toast: { type: 'info', content: '这一件已并入别的件，不能撤销' },
    card: { type: 'raw', data: card },
  };
}

/**
 * 撤销 tapped on a card drawn within the 24 hours, or 确定撤销 on its question, once they are over: the
 * toast said 「请点「申请更正」」 while the card still showed 撤销 or 确定撤销 / 不撤销, and no 申请更正. The
 * filed card as it is now (with 申请更正) comes with the toast.
 */
async function pastUndo(deps: BotDeps, v: BurstView): Promise<CardResponse | undefined> {
  const item = await getLiveFilingOfBurst(deps.db, v.burst.id);
  if (!item || deps.clock.now().getTime() <= undoDeadline(item.filedAt).getTime()) return undefined;
  const filed = await filedNow(deps, v, item);
  return {
    toast: { type: 'error', content: '提交已超过 24 小时，不能自行撤销；如要改动请点「申请更正」' },
    card: { type: 'raw', data: filed.card },
  };
}

/** What a tap on a copy of a card drawn before the burst's last filing or 撤销 is told. */
export const CARD_REDRAWN = '这张卡片已更新，请重新选择';

/**
 * A tap on a copy of the filing card drawn before the burst's last filing or 撤销 (another copy, sent
 * again by 未归档 or a reminder, was used since): nothing is done, and this copy is drawn as the burst
 * is now — its filed card, or its tasks to choose again — instead of a red 「已过期」 that left it
 * showing choices that no longer hold.
 */
export async function cardAsItIsNow(deps: PresentDeps, v: BurstView): Promise<CardResponse> {
  const live = await getLiveFilingOfBurst(deps.db, v.burst.id);
  if (live) return alreadyFiledAnswer(deps, v, live);
  const elsewhere = await filedElsewhereCardOf(deps, v.burst.id);
  if (elsewhere)
    return { toast: { type: 'info', content: CARD_REDRAWN }, card: { type: 'raw', data: elsewhere } };
  const msg = await presentBurst(deps, v, { auto: false });
  return {
    toast: { type: 'info', content: CARD_REDRAWN },
    card: { type: 'raw', data: JSON.parse(msg.content) },
  };
}

/** What the filer who taps 撤销 on an item the archivist has confirmed (a live 档号) is told. */
export const CONFIRMED_NEXT_STEP = '档案员已确认归档这件材料，不能自行撤销；如要改动请点「申请更正」';

/**
 * 撤销 (or 确定撤销) on an item confirmed since the card was drawn, within its 24 hours: the toast was a
 * red 「该件已确认归档（档号 …），请档案员先撤销确认」 on a card still offering 撤销, and its 更正 pointed
 * back to 撤销. The filed card as it is now (申请更正, no 撤销) comes with the next step.
 */
async function confirmedAnswer(deps: BotDeps, v: BurstView): Promise<CardResponse> {
  const item = await getLiveFilingOfBurst(deps.db, v.burst.id);
  if (!item) return { toast: { type: 'info', content: '这条提交已经撤销了' } };
  return {
    toast: { type: 'info', content: CONFIRMED_NEXT_STEP },
    card: { type: 'raw', data: (await filedNow(deps, v, item)).card },
  };
}

/**
 * A tap that would file, set aside or choose again a burst filed meanwhile: where it went (and by whom,
 * when it was someone else), on its filed card, and the way to change it the tapper has.
 */
async function alreadyFiledAnswer(
  deps: BotDeps,
  v: BurstView,
  item: { id: number; taskId: number; filedAt: Date },
  operator?: string,
): Promise<CardResponse> {
  const filed = await filedNow(deps, v, item, operator);
  const facts = filed.facts;
  const byOther = operator !== undefined && operator !== facts.filedBy && facts.filedByName !== null;
  // After 24 hours the card offers 申请更正, not 撤销: the toast names the button the officer sees. Within
  // them, 撤销 is the filer's or an archivist's: anyone else is told whom to ask.
  const change = !filed.undoable
    ? '如要改动请点「申请更正」'
    : operator === undefined || (await mayUndo(deps.db, operator, facts))
      ? '如要改动请先撤销'
      : `如要改动，${askFilerOrArchivist(facts.filedByName)}`;
  return {
    toast: {
      type: 'info',
      content: `这组材料已经${byOther ? `由${facts.filedByName}` : ''}交到${filed.taskLabel}，${change}`,
    },
    card: { type: 'raw', data: filed.card },
  };
}

/** 撤销 by someone who may not undo this filing (not its filer, no archivist): whom to ask, on the filed card. */
async function othersFilingAnswer(
  deps: BotDeps,
  v: BurstView,
  item: ItemForCorrection,
  operator: string,
): Promise<CardResponse> {
  const filed = await filedNow(deps, v, item, operator);
  return {
    toast: {
      type: 'info',
      content: `只有提交人或档案员可以撤销，${askFilerOrArchivist(filed.facts.filedByName)}`,
    },
    card: { type: 'raw', data: filed.card },
  };
}

/** The filed card of a burst's live filing, as it is now. */
async function filedNow(
  deps: BotDeps,
  v: BurstView,
  item: { id: number; taskId: number; filedAt: Date },
  /** Who tapped: when someone else filed it, the card names them (提交人). */
  operator?: string,
): Promise<{ card: object; taskLabel: string; undoable: boolean; facts: ItemForCorrection }> {
  const read = (await itemForCorrection(deps.db, item.id))!;
  // Someone else filed it: named even when nobody registered them (the chat's members in Lark).
  const facts = operator !== undefined && operator !== read.filedBy ? await withFilerName(deps, read) : read;
  const p = (await taskProgress(deps.db, item.taskId))!;
  const label = itemTaskLabel(facts);
  // Confirmed (a live 档号): only the archivist can change it, so the card offers 申请更正.
  const undoable = undoableNow({ filedAt: item.filedAt, archivalCode: facts.archivalCode }, deps.clock.now());
  return {
    taskLabel: label,
    undoable,
    facts,
    card: filedCard({
      burstId: v.burst.id,
      itemId: item.id,
      summary: v.summary,
      taskLabel: label,
      progressText: filedProgressText(p, v.materials, read.nPhoto),
      uncounted: uncountedNote(uncountedOf(v.materials, p.kinds), undoable),
      ...(operator !== undefined && operator !== facts.filedBy && facts.filedByName !== null
        ? { filedByName: facts.filedByName }
        : {}),
      undoable,
      pageUrl: deps.pageUrl?.(`/items/${item.id}`),
    }),
  };
}
