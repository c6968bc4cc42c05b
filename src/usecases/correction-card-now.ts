import { correctionCard, type DrawnDescription, type RefileChoices } from '../cards/correction-cards.js';
import { getDescription } from '../db/repos/archive-descriptions.js';
import { fileableTasksOfUnit } from '../db/repos/completeness.js';
import type { ItemForCorrection } from '../db/repos/correction-items.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import { filingChoices, householdChoices } from './filing-choices.js';
import { itemFacts } from './item-facts.js';

/** Where an item can move to (改归): the unit's open tasks other than its own. */
async function refileChoices(deps: BotDeps, item: ItemForCorrection): Promise<RefileChoices> {
  const tasks = (await fileableTasksOfUnit(deps.db, item.unitId)).filter((t) => t.taskId !== item.taskId);
  return {
    unitName: item.unitName,
    households: householdChoices(tasks),
    unitTasks: filingChoices(tasks.filter((t) => t.householdId == null)),
  };
}

/**
 * The 著录 the 更正著录 form is drawn with: as saved, the 题名 the item goes by when none was (as the
 * item page's form shows it).
 */
async function drawnDescription(deps: BotDeps, item: ItemForCorrection): Promise<DrawnDescription> {
  const d = await getDescription(deps.db, item.id);
  return {
    title: d?.title || item.title,
    responsible: d?.responsible ?? '',
    date: d?.date ?? '',
    docNumber: d?.docNumber ?? '',
  };
}

/**
 * The archivist's correction card of an item as it is now (its tasks to move to, its 著录, the item
 * page when PUBLIC_URL is set), with a `note` above, and opened for the approved `request` (its id).
 */
export async function correctionCardNow(
  deps: BotDeps,
  item: ItemForCorrection,
  o: { timeZone: string; note?: string; request?: number },
): Promise<CardResponse> {
  const [choices, description] = await Promise.all([refileChoices(deps, item), drawnDescription(deps, item)]);
  // Opened for an approved request: the page carries it (?r=), so a 移出 / 并入 / 著录 saved there closes it.
  const r = o.request ? `?r=${o.request}` : '';
  const pageUrl = deps.pageUrl?.(`/items/${item.id}${r}#describe`);
  const regroupUrl = deps.pageUrl?.(`/items/${item.id}${r}#regroup`);
  const data = correctionCard(itemFacts(item, deps.clock.now(), o.timeZone), choices, {
    description,
    ...(o.note ? { note: o.note } : {}),
    ...(o.request ? { request: o.request } : {}),
    ...(pageUrl ? { pageUrl } : {}),
    ...(regroupUrl ? { regroupUrl } : {}),
  });
  return { card: { type: 'raw', data } };
}
