import { FILE_BROWSE, FILE_FIND, FILE_HOUSEHOLD, FILE_HOUSEHOLDS } from '../cards/actions.js';
import {
  browseTasksCard,
  householdPageCard,
  householdPageLabel,
  MENU_OPTIONS,
} from '../cards/task-browser-card.js';
import { fileableTasksOfHousehold, fileableTasksOfUnit, type TaskStatus } from '../db/repos/completeness.js';
import { filingRoundOfBurst } from '../db/repos/filings.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { matchTasks } from '../domain/match-tasks.js';
import { DomainError } from '../errors.js';
import { clickedBurstView, RESEND_MATERIALS, type Where } from './burst-click.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { filingChoices, householdChoices } from './filing-choices.js';

export interface BrowseDeps {
  timeZone: string;
  quietWindowMs: number;
  maxFileBytes: number;
}

/** At most this many search results on the card. */
const MAX_FOUND = 100;

/**
 * The filing card's second state: a household's open tasks (menu or 「张三户的全部任务」), the unit's
 * own tasks, or a search by household head, code or keyword. Each shows the tasks as one-tap buttons
 * (menus when there are many) that file the burst, bound to the burst's chat, card and filing round
 * like the card's other buttons. Reads only the database.
 */
export function browseTasksActions(o: BrowseDeps): DeclaredCardAction[] {
  const show = async (
    deps: BotDeps,
    a: Where,
    v: { b: number; r?: number },
    pick: (
      unitId: number,
      unitName: string,
    ) => Promise<{ heading: string; tasks: TaskStatus[]; query?: string }>,
  ): Promise<CardResponse> => {
    const view = await clickedBurstView(deps, o, a, v.b);
    const round = await filingRoundOfBurst(deps.db, v.b);
    if (v.r !== undefined && v.r !== round)
      return { toast: { type: 'error', content: '这张卡片已过期，请在最新的卡片上选择' } };
    const unit = await unitOfChat(deps.db, view.burst.chatId);
    if (!unit) throw new DomainError('bad_action', RESEND_MATERIALS);
    const { heading, tasks, query } = await pick(unit.id, unit.name);
    return {
      card: {
        type: 'raw',
        data: browseTasksCard({
          burstId: v.b,
          round,
          summary: view.summary,
          heading,
          tasks: filingChoices(tasks),
          query,
          timeZone: o.timeZone,
        }),
      },
    };
  };

  const household = (deps: BotDeps, a: Where, v: { b: number; r?: number }, h: number) =>
    show(deps, a, v, async (unitId, unitName) => {
      const tasks = await fileableTasksOfHousehold(deps.db, unitId, h === 0 ? null : h);
      if (h === 0) return { heading: `${unitName}的任务`, tasks };
      // A household of another unit (a forged value) has no tasks here: nothing is revealed.
      if (tasks.length === 0) throw new DomainError('no_household_tasks', '这一户没有待交的任务');
      const [label] = householdChoices(tasks).map((x) => x.label);
      return { heading: `${label}的任务`, tasks };
    });

  return [
    cardAction({
      type: FILE_HOUSEHOLDS,
      handle: async (deps, a) => {
        const view = await clickedBurstView(deps, o, a, a.value.b);
        const round = await filingRoundOfBurst(deps.db, a.value.b);
        if (a.value.r !== undefined && a.value.r !== round)
          return { toast: { type: 'error', content: '这张卡片已过期，请在最新的卡片上选择' } };
        const unit = await unitOfChat(deps.db, view.burst.chatId);
        if (!unit) throw new DomainError('bad_action', RESEND_MATERIALS);
        const all = householdChoices(await fileableTasksOfUnit(deps.db, unit.id));
        const page = all.slice(a.value.p * MENU_OPTIONS, (a.value.p + 1) * MENU_OPTIONS);
        if (page.length === 0) throw new DomainError('bad_action', RESEND_MATERIALS);
        return {
          card: {
            type: 'raw',
            data: householdPageCard({
              burstId: a.value.b,
              round,
              summary: view.summary,
              heading: householdPageLabel(page),
              households: page,
            }),
          },
        };
      },
    }),
    cardAction({ type: FILE_BROWSE, handle: (deps, a) => household(deps, a, a.value, a.value.h) }),
    cardAction({
      type: FILE_HOUSEHOLD,
      handle: (deps, a) => {
        const h = Number(a.option);
        if (!Number.isSafeInteger(h) || h <= 0) throw new DomainError('bad_action', RESEND_MATERIALS);
        return household(deps, a, a.value, h);
      },
    }),
    cardAction({
      type: FILE_FIND,
      handle: async (deps, a) => {
        const q = typeof a.formValue?.q === 'string' ? a.formValue.q.trim().slice(0, 40) : '';
        if (!q) return { toast: { type: 'info', content: '请输入户主姓名、编码或关键词' } };
        return show(deps, a, a.value, async (unitId) => {
          const found = matchTasks(q, await fileableTasksOfUnit(deps.db, unitId));
          return { heading: `查找“${q}”`, tasks: found.slice(0, MAX_FOUND), query: q };
        });
      },
    }),
  ];
}
