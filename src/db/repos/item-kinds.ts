import { sql } from 'drizzle-orm';
import type { BurstCounts } from '../../domain/burst-summary.js';
import { queryRows, type Db } from '../client.js';

/**
 * How many files of each kind the item itself holds (recalled ones and a video's cover left out),
 * copies the task already held included: `filing_items.n_photo` and the like count only what the
 * filing added to the task, fewer than the filer sent.
 */
export async function kindsOfItem(db: Db, itemId: number): Promise<BurstCounts> {
  const rows = await queryRows<{ kind: string; n: number }>(
    db,
    sql`select m.kind, count(*)::int as n from filing_item_materials x
        join materials m on m.id = x.material_id
        where x.item_id = ${itemId} and m.status <> 'recalled' and m.role is distinct from 'cover'
        group by m.kind`,
  );
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}
