import type { ItemFacts } from '../cards/correction-cards.js';
import { approvedOpenRequests, itemForCorrection } from '../db/repos/correction-items.js';
import { hasUnitRole } from '../db/repos/people.js';
import type { UnitRow } from '../db/repos/units.js';
import type { Clock } from '../ports/clock.js';
import { withFilerNames, type ChatMemberNamesDeps } from './chat-member-names.js';
import { itemFacts } from './item-facts.js';

/** How many approved requests the `查` card lists at most (the oldest first). */
const APPROVED_LISTED = 5;

/** The oldest owed requests (each with its words and id) and how many are owed in all. */
export interface ApprovedDue {
  listed: { facts: ItemFacts; text: string; requestId: number }[];
  total: number;
}

/**
 * What an archivist said 同意 to and has not corrected yet (申请更正 approved, not carried out by a
 * refile, 撤下, 免交 or the 著录 made from its card, nor closed by 不用改了), in the unit and below: for
 * the `查` card, to the unit's archivists and admins only (whoever else asks sees nothing of it). The
 * oldest five, each with the request's words, and how many in all.
 */
export async function approvedRequestsDue(
  deps: ChatMemberNamesDeps & { clock: Clock },
  x: { unit: Pick<UnitRow, 'path'>; asker: string | undefined; timeZone: string },
): Promise<ApprovedDue> {
  const { db } = deps;
  if (!x.asker || !(await hasUnitRole(db, x.asker, { path: x.unit.path }, ['archivist', 'admin'])))
    return { listed: [], total: 0 };
  const { requests, total } = await approvedOpenRequests(db, {
    unitPath: x.unit.path,
    limit: APPROVED_LISTED,
  });
  const items = (await Promise.all(requests.map((r) => itemForCorrection(db, r.itemId)))).flatMap((i) =>
    i ? [i] : [],
  );
  const named = await withFilerNames(deps, items);
  const now = deps.clock.now();
  const listed = named.map((i) => {
    const r = requests.find((q) => q.itemId === i.id)!;
    return { facts: itemFacts(i, now, x.timeZone), text: r.text, requestId: r.id };
  });
  return { listed, total };
}
