import { sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import { COPY_ORDER } from './filings.js';
import { noFiles, type ItemFiles } from '../../domain/item-files.js';
import type { MaterialKind } from '../../domain/material-kind.js';

/**
 * What each item really holds, per kind, and which of its files repeat one its task counts from
 * another copy. An item's n_photo… are what it adds to its task (recountTaskCopies: the lowest-numbered
 * copy of each file in the task's live items counts), so an item holding only a repeat adds nothing;
 * the views that show an item (lists, the item page, the correction cards, the 大事记) show its own
 * files instead and say which are repeats, by the same rule. An undone item has no repeats.
 */
export async function itemFilesOf(db: Db | Tx, itemIds: number[]): Promise<Map<number, ItemFiles>> {
  const ids = [...new Set(itemIds)];
  const out = new Map<number, ItemFiles>(ids.map((id) => [id, noFiles()]));
  if (ids.length === 0) return out;
  const list = sql`${`{${ids.join(',')}}`}::bigint[]`;
  const held = await queryRows<{ item_id: number; kind: MaterialKind; n: number; refused: number }>(
    db,
    sql`select fim.item_id::int as item_id, m.kind, count(*)::int as n,
          count(*) filter (where m.format_refused)::int as refused
        from filing_item_materials fim join materials m on m.id = fim.material_id
        where fim.item_id = any(${list}) group by fim.item_id, m.kind`,
  );
  for (const r of held) {
    const files = out.get(Number(r.item_id))!;
    files.held[r.kind] = Number(r.n);
    // A file in a format the archive refuses counts nowhere (recountTaskCopies): said beside its kind.
    if (Number(r.refused) > 0) files.refused = { ...files.refused, [r.kind]: Number(r.refused) };
  }
  // Only the files of the task that share bytes with a file of a wanted item are ranked.
  const repeats = await queryRows<{
    item_id: number;
    kind: MaterialKind;
    first_item: number;
    place: number;
    n: number;
  }>(
    db,
    sql`with wanted as (
          select fi.id, fi.task_id from filing_items fi where fi.id = any(${list}) and fi.undone_at is null),
        copies as (
          select fi.task_id, fi.id as item_id, fim.material_id, m.kind, m.sha256
          from wanted w
            join filing_items fi on fi.task_id = w.task_id and fi.undone_at is null
            join filing_item_materials fim on fim.item_id = fi.id
            join materials m on m.id = fim.material_id
          where m.sha256 is not null and exists (
            select 1 from filing_item_materials x join materials y on y.id = x.material_id
            where x.item_id = w.id and y.kind = m.kind and y.sha256 = m.sha256)),
        ranked as (
          select c.item_id, c.kind, first_value(c.item_id) over w as first_item, row_number() over w as rn
          from (select distinct * from copies) c
          window w as (${COPY_ORDER}))
        select r.item_id::int as item_id, r.kind, r.first_item::int as first_item, count(*)::int as n,
          (select count(*)::int from filing_items q join filing_items f on f.id = r.first_item
            where q.task_id = f.task_id and q.undone_at is null and (q.filed_at, q.id) <= (f.filed_at, f.id)) as place
        from ranked r
        where r.rn > 1 and r.item_id = any(${list})
        group by r.item_id, r.kind, r.first_item
        order by r.item_id, r.kind, place`,
  );
  for (const r of repeats) {
    const itemId = Number(r.item_id);
    const first = Number(r.first_item);
    out.get(itemId)!.repeats.push({
      kind: r.kind,
      n: Number(r.n),
      of: first === itemId ? null : { itemId: first, place: Number(r.place) },
    });
  }
  return out;
}

/** The items with their files (itemFilesOf) attached, in their order. */
export async function withItemFiles<T extends { id: number }>(
  db: Db | Tx,
  items: T[],
): Promise<(T & { files: ItemFiles })[]> {
  const files = await itemFilesOf(
    db,
    items.map((i) => i.id),
  );
  return items.map((i) => ({ ...i, files: files.get(i.id) ?? noFiles() }));
}
