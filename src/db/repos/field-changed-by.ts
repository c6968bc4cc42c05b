import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/** The latest change of one 著录 field of an item, as the audit trail has it. */
export interface FieldChange {
  actor: string;
  /** The actor's learnt name, if any. */
  actorName: string | null;
  /** `page`, `card`, `chat` or `cli`. */
  source: string;
  /** `describe`, or `refile` (a 题名 that was the old task's own follows the new task). */
  action: string;
}

/**
 * Who last changed each of the item's fields `keys` (著录 field names, as `describe` audit rows name
 * them in `details.fields`); a 题名 not described, which the item takes from its filing, by the latest
 * 改归 (refile) instead. A field no row names is left out.
 */
export async function fieldChangedBy(
  db: Db,
  itemId: number,
  keys: readonly string[],
): Promise<Map<string, FieldChange>> {
  if (keys.length === 0) return new Map();
  const rows = await queryRows<FieldChange & { key: string }>(
    db,
    sql`select distinct on (k.key) k.key, a.actor, p.name as "actorName", a.source, a.action
        from unnest(${`{${keys.join(',')}}`}::text[]) as k(key)
        join audit_log a on a.item_id = ${itemId} and (
          (a.action = 'describe' and a.details->'fields' ? k.key)
          or (a.action = 'refile' and k.key = 'title' and not exists (
                select 1 from item_descriptions d where d.item_id = ${itemId} and coalesce(d.title, '') <> '')))
        left join people p on p.open_id = a.actor
        order by k.key, a.id desc`,
  );
  return new Map(rows.map(({ key, ...c }) => [key, c]));
}
