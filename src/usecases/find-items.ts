import { FIND_PAGE } from '../cards/actions.js';
import { itemListCard } from '../cards/correction-cards.js';
import { findItemsForCorrection } from '../db/repos/correction-items.js';
import { unitsOfPerson } from '../db/repos/person-units.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { getUnitById, type UnitRow } from '../db/repos/units.js';
import { parseFindQuery } from '../domain/find-query.js';
import { DomainError } from '../errors.js';
import type { CardResponse } from './card-response.js';
import { withFilerNames } from './chat-member-names.js';
import type { BotDeps } from './deps.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { approvedRequestsDue } from './approved-requests-due.js';
import { itemFacts } from './item-facts.js';
import { unitCalled } from './unit-naming.js';

/** How many items a page of 查 lists. */
export const FIND_PAGE_SIZE = 10;

/**
 * The 查 card: the page of the unit's items matching `words` (the words after the unit, if one was
 * named) that starts after the first `offset`, each with 更正, and 下一页 while more follow. The first
 * page asked by an archivist (`asker`) lists first the 申请更正 they approved and have still to correct.
 */
export async function findItemsCard(
  deps: BotDeps,
  unit: UnitRow,
  words: string,
  offset = 0,
  asker?: string,
): Promise<object> {
  const now = deps.clock.now();
  const q = parseFindQuery(words, now, deps.timeZone);
  const [{ items, total }, approved] = await Promise.all([
    findItemsForCorrection(deps.db, {
      unitPath: unit.path,
      ...q,
      limit: FIND_PAGE_SIZE,
      offset,
    }),
    offset === 0
      ? approvedRequestsDue(deps, { unit, asker, timeZone: deps.timeZone })
      : { listed: [], total: 0 },
  ]);
  const typed = words.trim().slice(0, 100);
  const asked = typed ? { q: typed } : {};
  // Two 东村: 「城关镇东村最近提交的材料」.
  const { shown } = await unitCalled(deps.db, unit);
  return itemListCard({
    title: `${shown}最近提交的材料${typed ? `（${typed.slice(0, 20)}）` : ''}`,
    items: (await withFilerNames(deps, items)).map((i) => itemFacts(i, now, deps.timeZone)),
    total,
    before: offset,
    next: FIND_PAGE.value({ u: unit.id, ...asked, o: offset + items.length }),
    first: FIND_PAGE.value({ u: unit.id, ...asked }),
    approved,
  });
}

/**
 * Whether the tapper may list the unit's items, as 查 decides: in a group, the chat's unit or one
 * under it; anywhere, a unit the tapper holds a role on, or one under it.
 */
async function mayFind(
  deps: BotDeps,
  a: { chatId?: string; operatorOpenId: string },
  unit: UnitRow,
): Promise<boolean> {
  const chatUnit = a.chatId ? await unitOfChat(deps.db, a.chatId) : undefined;
  if (chatUnit && unit.path.startsWith(chatUnit.path)) return true;
  const mine = await unitsOfPerson(deps.db, a.operatorOpenId);
  return mine.some((u) => unit.path.startsWith(u.path));
}

/** 下一页 / 回到第一页 on a 查 card: that page drawn in place, as things are now. */
export function findPageAction(): DeclaredCardAction {
  return cardAction({
    type: FIND_PAGE,
    handle: async (deps, a): Promise<CardResponse> => {
      const unit = await getUnitById(deps.db, a.value.u);
      if (!unit) throw new DomainError('bad_action', FIND_PAGE.stale);
      if (!(await mayFind(deps, a, unit)))
        return {
          toast: { type: 'error', content: `您不是${unit.name}或其上级单位的工作人员，不能查看它的材料。` },
        };
      return {
        card: {
          type: 'raw',
          data: await findItemsCard(deps, unit, a.value.q ?? '', a.value.o ?? 0, a.operatorOpenId),
        },
      };
    },
  });
}
