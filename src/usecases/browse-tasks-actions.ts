import { MATERIALS_BUTTON_GONE } from '../domain/materials-button-gone.js';
import { FILE_BROWSE, FILE_FIND, FILE_HOUSEHOLD, FILE_HOUSEHOLDS, FILED_VIEW } from '../cards/actions.js';
import { filingBrowser } from '../cards/task-browser-card.js';
import { unitsWithOpenTasks } from '../db/repos/completeness.js';
import { filingRoundOfBurst } from '../db/repos/filings.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { DomainError } from '../errors.js';
import { browseTasks, chosenId, searchWords, type BrowseStep } from './browse-tasks.js';
import { clickedBurstView, type Where } from './burst-click.js';
import type { CardResponse } from './card-response.js';
import { cardAsItIsNow } from './filing-actions.js';
import type { BotDeps } from './deps.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { presentBurst, waivedNextStep, type PresentDeps } from './present-burst.js';
import { backToParts, onPartsCard } from './split-parts.js';

export interface BrowseDeps {
  isChatMember: PresentDeps['isChatMember'];
  timeZone: string;
  quietWindowMs: number;
  maxFileBytes: number;
}

/**
 * The filing card's second state: a household's open tasks (menu or 「张三户的全部任务」), a page of
 * households, the unit's own tasks, or a search by household head, code or keyword. Each shows the
 * tasks as one-tap buttons (menus when there are many) that file the burst, bound to the burst's
 * chat, card and filing round like the card's other buttons. Reads only the database.
 */
export function browseTasksActions(o: BrowseDeps): DeclaredCardAction[] {
  const show = async (
    deps: BotDeps,
    a: Where,
    v: { b: number; r?: number },
    step: BrowseStep,
  ): Promise<CardResponse> => {
    const view = await clickedBurstView(deps, o, a, v.b);
    const round = await filingRoundOfBurst(deps.db, v.b);
    // A part's browser, on the parts card: 返回 goes to the part's own filing card (其他任务), whose
    // 返回 goes to the parts card; a stale tap there draws the parts card as it is now.
    const back = await backToParts(deps, a.messageId, v.b);
    if (v.r !== undefined && v.r !== round)
      return onPartsCard(
        deps,
        back && a.messageId,
        await cardAsItIsNow({ ...deps, isChatMember: o.isChatMember, timeZone: o.timeZone }, view),
      );
    const unit = await unitOfChat(deps.db, view.burst.chatId);
    if (!unit) throw new DomainError('bad_action', MATERIALS_BUTTON_GONE);
    try {
      const data = await browseTasks(deps.db, unit, step, {
        values: filingBrowser({ b: v.b, r: round }, back && FILED_VIEW.value({ b: v.b })),
        summary: view.summary,
        timeZone: o.timeZone,
        stale: MATERIALS_BUTTON_GONE,
      });
      return { card: { type: 'raw', data } };
    } catch (err) {
      // A household whose tasks were all waived (免交) after this card was drawn: said plainly, with
      // the card drawn again as it is now (that household no longer offered).
      if (!(err instanceof DomainError && err.code === 'household_waived')) throw err;
      // The unit's last open tasks: 「请另选任务」 would point at nothing on the card drawn again.
      const others = (await unitsWithOpenTasks(deps.db, [unit.id])).has(unit.id);
      const notice = `这一户的任务都已免交，不用再交。${waivedNextStep(others)}`;
      const msg = await presentBurst({ ...deps, isChatMember: o.isChatMember, timeZone: o.timeZone }, view, {
        auto: false,
        notice,
        ...(back ? { back } : {}),
      });
      return {
        toast: { type: 'info', content: notice },
        card: { type: 'raw', data: JSON.parse(msg.content) },
      };
    }
  };

  return [
    cardAction({ type: FILE_HOUSEHOLDS, handle: (deps, a) => show(deps, a, a.value, { p: a.value.p }) }),
    cardAction({ type: FILE_BROWSE, handle: (deps, a) => show(deps, a, a.value, { h: a.value.h }) }),
    cardAction({
      type: FILE_HOUSEHOLD,
      handle: (deps, a) => show(deps, a, a.value, { h: chosenId(a.option, MATERIALS_BUTTON_GONE) }),
    }),
    cardAction({
      type: FILE_FIND,
      handle: async (deps, a) => {
        const q = searchWords(a.formValue);
        if (!q) return { toast: { type: 'info', content: '请输入户主姓名、编码或关键词' } };
        return show(deps, a, a.value, { q });
      },
    }),
  ];
}
