import { sql, type SQL } from 'drizzle-orm';
import { looseSpelling, SEPARATOR_RUN } from '../../domain/typed-archival-code.js';
import { queryRows, type Db } from '../client.js';
import { withItemFiles } from './item-files.js';
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
  /** Only items older (by filing time, then id) than this item: the next page after it. */
  beforeId?: number;
  /** How many of the newest items in scope the first pass reads (RECENT; tests make it small). */
  recent?: number;
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
/** Terms that may match the filing day as written (YYYY-MM-DD): digits and hyphens only. */
const DATE_LIKE = /^[0-9-]+$/;

/**
 * A term may be a 档号 typed loosely (`looseSpelling`, the rule `archive unconfirm --code` finds a record
 * by): `·` typed as `.` or `.` as `·` whatever separator archive.yaml sets, full-width `－`, `——`,
 * full-width letters. Such a term matches, besides as typed, in the item's text read the same way
 * (`looseDoc`: each run of separators as one `-`); lower case needs nothing, ILIKE ignores case.
 */
const looseDoc = sql`regexp_replace(s.doc, ${SEPARATOR_RUN}, '-', 'g')`;

/** The pairs the text must hold for its loose form to hold `loose`: those of each part between separators. */
function looseGrams(loose: string): SQL {
  const parts = loose.split('-').filter(Boolean);
  if (parts.length === 0) return sql`array[]::text[]`;
  return sql.join(
    parts.map((part) => sql`search_query_grams(${part})`),
    sql` || `,
  );
}

/** How many of the newest items in scope the first pass reads. */
const RECENT = 2000;

/**
 * Live items matching every term, newest first. Each term must occur (ILIKE, escaped) in the item's
 * search text (`item_search.doc`: its title and description, 档号, who filed it, the burst's caption,
 * its task, its unit and its materials' captions, file names and senders), or, for a term of digits and
 * hyphens, in the filing day (YYYY-MM-DD in the installation's time zone).
 *
 * Two passes, because no single plan suits both a common and a rare word: first the newest RECENT items
 * in scope (filing_items_live_filed_idx, or the scope's items when it is small) are matched as they
 * are, which fills the page for a common word; if it does not, the terms' character pairs
 * (`search_query_grams`; a single character for a one-character term) must all be among the item's
 * (`search_grams(doc)`, GIN-indexed), which finds the few candidates of a rare word. The planner's
 * estimate for several pairs at once is too low to choose between the two by itself. Runs the same on
 * PGlite and PostgreSQL (arrays and GIN are core; no pg_trgm, no word segmenter).
 */
export async function searchItems(db: Db, s: SearchInput): Promise<SearchHit[]> {
  if (s.paths.length === 0) return [];
  const recent = s.recent ?? RECENT;
  const local = sql`(fi.filed_at at time zone ${s.timeZone})::date`;
  const { where, scope } = await filters(db, s);
  // The order's own key, read from the row (a timestamp sent back from the browser would lose its microseconds).
  if (s.beforeId !== undefined)
    where.push(
      sql`(fi.filed_at, fi.id) < (select b.filed_at, b.id from filing_items b where b.id = ${s.beforeId})`,
    );
  const matches = s.terms.map((term) => {
    const like = sql`${contains(term)}`;
    const loose = looseSpelling(term);
    const doc = loose
      ? sql`s.doc ilike ${like} escape '\\' or ${looseDoc} ilike ${contains(loose)} escape '\\'`
      : sql`s.doc ilike ${like} escape '\\'`;
    return DATE_LIKE.test(term)
      ? sql`(${doc} or to_char(${local}, 'YYYY-MM-DD') ilike ${like} escape '\\')`
      : sql`(${doc})`;
  });
  // Joins the conditions need (the scope reads the unit's path, the class the task's).
  const unitJoin = scope ? sql`join units u on u.id = fi.unit_id` : sql``;
  const taskJoin = s.taskClass ? sql`join tasks t on t.id = fi.task_id` : sql``;
  /** The first `limit` matching items, found on narrow rows; only they are then shown in full. */
  const select = (from: SQL, conds: SQL[], recent = sql`null::int`) =>
    queryRows<SearchRow & { recent: number | null }>(
      db,
      sql`select ${ITEM_COLUMNS}, u.name as unit_name, t.code as task_code, t.title as task_title, k.recent
          from (select fi.id, fi.filed_at, ${recent} as recent
                from ${from} join item_search s on s.item_id = fi.id ${unitJoin} ${taskJoin}
                where ${sql.join(conds.length > 0 ? conds : [sql`true`], sql` and `)}
                order by fi.filed_at desc, fi.id desc limit ${s.limit}) k
            join filing_items fi on fi.id = k.id ${ITEM_JOINS}
            join tasks t on t.id = fi.task_id join units u on u.id = fi.unit_id
          order by k.filed_at desc, k.id desc`,
    );
  let rows: (SearchRow & { recent: number | null })[];
  if (matches.length === 0) {
    rows = await select(sql`filing_items fi`, where);
  } else {
    // The newest items in scope: ids only (index-only on filing_items_live_unit_filed_idx for a few units).
    rows = await select(
      sql`(select w.id, count(*) over () as n from (
            select fi.id, fi.filed_at from filing_items fi ${unitJoin} ${taskJoin}
            where ${sql.join(where, sql` and `)} order by fi.filed_at desc, fi.id desc limit ${recent}) w) r
          join filing_items fi on fi.id = r.id`,
      matches,
      sql`r.n::int`,
    );
    const exhaustive = rows.length > 0 && Number(rows[0]!.recent) < recent;
    if (rows.length < s.limit && !exhaustive) {
      const indexed = s.terms.filter((t) => !DATE_LIKE.test(t));
      // A term with one spelling joins the others' pairs in one containment; a term typed as a 档号
      // may be in the text either way, so it is a containment of its own: its pairs as typed, or those
      // of each part between its separators.
      const grams = (t: string) => sql`search_grams(s.doc) @> search_query_grams(${t})`;
      const plain = indexed.filter((t) => looseSpelling(t) === undefined);
      const pairs = plain.map((t) => sql`search_query_grams(${t})`);
      const either = indexed.flatMap((t) => {
        const loose = looseSpelling(t);
        return loose === undefined
          ? []
          : [sql`(${grams(t)} or search_grams(s.doc) @> (${looseGrams(loose)}))`];
      });
      rows = await select(sql`filing_items fi`, [
        ...where,
        ...(pairs.length > 0 ? [sql`search_grams(s.doc) @> (${sql.join(pairs, sql` || `)})`] : []),
        ...either,
        ...matches,
      ]);
    }
  }
  return withItemFiles(
    db,
    rows.map((r) => ({
      ...toPageItem(r),
      unitName: r.unit_name,
      taskCode: r.task_code,
      taskTitle: r.task_title,
    })),
  );
}

/**
 * The conditions of a search's filters (scope, kind, class, days) on `fi` (filing_items), `u` (its unit,
 * when `scope`) and `t` (its task, when a class is asked for).
 */
async function filters(db: Db, s: SearchInput): Promise<{ where: SQL[]; scope: SQL | undefined }> {
  /** The instant a local day starts. */
  const dayStart = (day: string, plus = 0) =>
    sql`((${day}::date + ${plus}::int)::timestamp at time zone ${s.timeZone})`;
  // The scope as a condition on the item's unit (not `unit_id = any(array(…))`): the planner then knows
  // how much of the province it covers. None when a path is the only root of the tree (everything).
  const whole = await coversEverything(db, s.paths);
  const scope = whole
    ? undefined
    : sql.join(
        s.paths.map((p) => sql`u.path like ${`${p}%`}`),
        sql` or `,
      );
  const where: SQL[] = [sql`fi.undone_at is null`];
  if (scope) where.push(sql`(${scope})`);
  if (s.kind) where.push(sql`fi.kind = ${s.kind}`);
  if (s.taskClass) where.push(sql`t.class = ${s.taskClass}`);
  if (s.from) where.push(sql`fi.filed_at >= ${dayStart(s.from)}`);
  if (s.to) where.push(sql`fi.filed_at < ${dayStart(s.to, 1)}`);
  return { where, scope };
}

/**
 * How many live items a search by filters alone (no words: the digest's 查看上周提交 is one) finds in all,
 * and their materials, counted as the digest counts its 新提交 件 and 份.
 */
export async function countFiltered(
  db: Db,
  s: Omit<SearchInput, 'terms' | 'limit' | 'beforeId' | 'recent'>,
): Promise<{ items: number; materials: number }> {
  if (s.paths.length === 0) return { items: 0, materials: 0 };
  const { where, scope } = await filters(db, { ...s, terms: [], limit: 0 });
  const [row] = await queryRows<{ items: number; materials: number }>(
    db,
    sql`select count(*)::int as items,
          coalesce(sum(fi.n_photo + fi.n_document + fi.n_audio + fi.n_video), 0)::int as materials
        from filing_items fi ${scope ? sql`join units u on u.id = fi.unit_id` : sql``}
          ${s.taskClass ? sql`join tasks t on t.id = fi.task_id` : sql``}
        where ${sql.join(where, sql` and `)}`,
  );
  return { items: Number(row?.items ?? 0), materials: Number(row?.materials ?? 0) };
}

/** True when one of `paths` is the path of the only root unit: the scope is every unit. */
async function coversEverything(db: Db, paths: string[]): Promise<boolean> {
  const tops = paths.filter((p) => /^\/\d+\/$/.test(p));
  if (tops.length === 0) return false;
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from (select 1 from units where parent_id is null limit 2) x`,
  );
  return Number(row?.n) === 1;
}
