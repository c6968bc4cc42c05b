import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { ITEM_COLUMNS, ITEM_JOINS, toPageItem, type PageItem, type PageItemRow } from './page-items.js';

export interface SearchInput {
  /** Words that must all occur (each anywhere: title, 文号, 档号, captions, names, task, unit, date). */
  terms: string[];
  /** Unit paths to search under (the viewer's units, or the chosen one). */
  paths: string[];
  kind?: string;
  taskClass?: string;
  /** Filed on or after / before or on these local days (YYYY-MM-DD). */
  from?: string;
  to?: string;
  timeZone: string;
  limit: number;
}

/** A row of the search: ITEM_COLUMNS and the item's unit and task. */
interface SearchRow extends PageItemRow {
  unit_name: string;
  task_code: string;
  task_title: string;
}

export interface SearchHit extends PageItem {
  unitName: string;
  taskCode: string;
  taskTitle: string;
}

/** `%term%` with LIKE's own metacharacters escaped. */
const contains = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Live items matching every term, newest first. Plain ILIKE (escaped) over the item's own text (its
 * title, the description's 题名/文号/事由/地点/人物/date, 档号, who filed it, the filing day) and, found
 * set-wise once per term within the same units, the items whose task (code, title, class), unit (name)
 * or materials (captions, original names, senders) match; the burst's caption is read with the item. Substring matching suits Chinese without a
 * word segmenter and runs the same on PGlite (no pg_trgm there by default) and PostgreSQL; the
 * unit-subtree condition keeps the scanned rows to the viewer's units.
 */
export async function searchItems(db: Db, s: SearchInput): Promise<SearchHit[]> {
  if (s.paths.length === 0) return [];
  const local = sql`(fi.filed_at at time zone ${s.timeZone})::date`;
  const scope = sql`select id from units where ${sql.join(
    s.paths.map((p) => sql`path like ${`${p}%`}`),
    sql` or `,
  )}`;
  const conds: SQL[] = [sql`fi.undone_at is null`, sql`fi.unit_id = any(array(${scope}))`];
  if (s.kind) conds.push(sql`fi.kind = ${s.kind}`);
  if (s.taskClass) conds.push(sql`t.class = ${s.taskClass}`);
  if (s.from) conds.push(sql`${local} >= ${s.from}::date`);
  if (s.to) conds.push(sql`${local} <= ${s.to}::date`);
  for (const term of s.terms) {
    const like = sql`${contains(term)}`;
    conds.push(sql`(concat_ws(' ', fi.title, d.title, d.doc_number, d.reason, d.place, d.people, d.date,
        ar.archival_code, p.name, to_char(${local}, 'YYYY-MM-DD'),
        (select b.caption from bursts b where b.id = fi.burst_id)) ilike ${like} escape '\\'
      or fi.task_id in (select id from tasks where unit_id = any(array(${scope}))
        and concat_ws(' ', code, title, class) ilike ${like} escape '\\')
      or fi.unit_id in (select id from units where concat_ws(' ', name, full_name) ilike ${like} escape '\\')
      or fi.id in (select x.id from filing_items x
          join filing_item_materials fim on fim.item_id = x.id
          join materials m on m.id = fim.material_id
          left join people ps on ps.open_id = m.sender_open_id
        where x.unit_id = any(array(${scope})) and x.undone_at is null
          and concat_ws(' ', m.caption, m.original_name, ps.name) ilike ${like} escape '\\'))`);
  }
  const rows = await queryRows<SearchRow>(
    db,
    sql`select ${ITEM_COLUMNS}, u.name as unit_name, t.code as task_code, t.title as task_title
        from filing_items fi ${ITEM_JOINS}
          join tasks t on t.id = fi.task_id join units u on u.id = fi.unit_id
        where ${sql.join(conds, sql` and `)}
        order by fi.filed_at desc, fi.id desc limit ${s.limit}`,
  );
  return rows.map((r) => ({
    ...toPageItem(r),
    unitName: r.unit_name,
    taskCode: r.task_code,
    taskTitle: r.task_title,
  }));
}
