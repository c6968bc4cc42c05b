import type { ItemFacts } from '../cards/correction-cards.js';
import { approvedOpenRequests, itemForCorrection } from '../db/repos/correction-items.js';
import { hasUnitRole } from '../db/repos/people.js';
import type { UnitRow } from '../db/repos/units.js';
import type { Clock } from '../ports/clock.js';
import { withFilerNames, type ChatMemberNamesDeps } from './chat-member-names.js';
import { itemFacts } from './item-facts.js';

/** How many approved requests the `查` card lists at most (the oldest first). */
const APPROVED_LISTED = 5;

/**
 * What an archivist said 同意 to and has not corrected yet (申请更正 approved, no refile, 撤下, 著录 or
 * 免交 since), in the unit and below: for the `查` card, to the unit's archivists and admins only
 * (whoever else asks sees nothing of it). Each with the request's words.
 */
export async function approvedRequestsDue(
  deps: ChatMemberNamesDeps & { clock: Clock },
  x: { unit: Pick<UnitRow, 'path'>; asker: string | undefined; timeZone: string },
): Promise<{ facts: ItemFacts; text: string }[]> {
  const { db } = deps;
  if (!x.asker || !(await hasUnitRole(db, x.asker, { path: x.unit.path }, ['archivist', 'admin']))) return [];
  const requests = await approvedOpenRequests(db, { unitPath: x.unit.path, limit: APPROVED_LISTED });
  const items = (await Promise.all(requests.map((r) => itemForCorrection(db, r.itemId)))).flatMap((i) =>
    i ? [i] : [],
  );
  const named = await withFilerNames(deps, items);
  const now = deps.clock.now();
  return named.map((i) => ({
    facts: itemFacts(i, now, x.timeZone),
    text: requests.find((r) => r.itemId === i.id)!.text,
  }));
}
