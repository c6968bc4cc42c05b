import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import type { ItemFiles } from '../../domain/item-files.js';
import { looseSpelling, SEPARATOR_RUN } from '../../domain/typed-archival-code.js';
import { withItemFiles } from './item-files.js';

/** A filed item as the correction cards show it. */
export interface ItemForCorrection {
  id: number;
  taskId: number;
  taskCode: string;
  taskTitle: string;
  householdName: string | null;
  unitId: number;
  unitName: string;
  unitPath: string;
  title: string;
  /** What the item holds (its own files; a repeat of a file its task counts elsewhere said so). */
  files: ItemFiles;
  filedBy: string;
  filedByName: string | null;
  filedAt: Date;
  /** Its photos the task did not hold yet (`n_photo`: a copy of one filed before is not counted). */
  nPhoto: number;
  chatId: string | null;
  burstId: number | null;
  undone: boolean;
  /** Its live 档号, when confirmed. */
  archivalCode: string | null;
  /** When a 移交包 first carried that 档号 (transfer_packages), if one did. */
  transferredAt: Date | null;
}

const select = (where: SQL, limit: number, offset = 0) => sql`
  select fi.id::int as id, t.id::int as task_id, t.code as task_code, t.title as task_title,
         h.head_name as household_name, u.id::int as unit_id, u.name as unit_name, u.path as unit_path,
         fi.title, fi.filed_by, p.name as filed_by_name, fi.filed_at, fi.n_photo::int as n_photo, fi.chat_id,
         fi.burst_id::int as burst_id, fi.undone_at is not null as undone,
         (select ar.archival_code from archive_records ar where ar.item_id = fi.id and ar.status = 'confirmed'
           limit 1) as archival_code,
         (select min(tp.handed_at) from archive_records ar
            join transfer_package_records tr on tr.record_id = ar.id
            join transfer_packages tp on tp.id = tr.package_id
           where ar.item_id = fi.id and ar.status = 'confirmed' and tp.handed_at is not null) as transferred_at
  from filing_items fi
  join tasks t on t.id = fi.task_id
  join units u on u.id = t.unit_id
  left join households h on h.id = t.household_id
  left join people p on p.open_id = fi.filed_by
  where ${where}
  order by fi.filed_at desc, fi.id desc
  limit ${limit} offset ${offset}`;

/** A row of `select` above. */
interface ItemRow {
  id: number;
  task_id: number;
  task_code: string;
  task_title: string;
  household_name: string | null;
  unit_id: number;
  unit_name: string;
  unit_path: string;
  title: string;
  filed_by: string;
  filed_by_name: string | null;
  filed_at: Date | string;
  n_photo: number;
  chat_id: string | null;
  burst_id: number | null;
  /** A boolean, or 't'/'f' from a driver that leaves it as text. */
  undone: boolean | string;
  archival_code: string | null;
  transferred_at: Date | string | null;
}

const toItem = (r: ItemRow): Omit<ItemForCorrection, 'files'> => ({
  id: Number(r.id),
  taskId: Number(r.task_id),
  taskCode: r.task_code,
  taskTitle: r.task_title,
  householdName: r.household_name,
  unitId: Number(r.unit_id),
  unitName: r.unit_name,
  unitPath: r.unit_path,
  title: r.title,
  filedBy: r.filed_by,
  filedByName: r.filed_by_name,
  filedAt: new Date(r.filed_at),
  nPhoto: Number(r.n_photo),
  chatId: r.chat_id,
  burstId: r.burst_id === null ? null : Number(r.burst_id),
  undone: r.undone === true || r.undone === 't',
  archivalCode: r.archival_code,
  transferredAt: r.transferred_at === null ? null : new Date(r.transferred_at),
});

export async function itemForCorrection(db: Db | Tx, itemId: number): Promise<ItemForCorrection | undefined> {
  const [row] = await queryRows<ItemRow>(db, select(sql`fi.id = ${itemId}`, 1));
  return row && (await withItemFiles(db, [toItem(row)]))[0];
}

/** `%word%` with LIKE's own metacharacters escaped. */
const contains = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** What a `查` asks for: a task code, a local day, keywords (each must match), under a unit. */
export interface FindItemsQuery {
  unitPath: string;
  taskCode?: string;
  from?: Date;
  to?: Date;
  words: string[];
}

/**
 * The conditions of a `查`: live items under the unit, of the task code, filed that day, and each word
 * found in the item's title, the task's title, the household's name, the filer's name, the unit's name
 * or the item's search text (`item_search.doc`: its 档号, its files' names and captions, the burst's
 * caption, its description). A word written as a 档号 with another separator (`A182-ZP.2026-Y-0001`,
 * full-width letters) also finds the 档号 as stored (`looseSpelling`, as the web search does).
 */
function findConditions(q: FindItemsQuery): SQL {
  const parts: SQL[] = [sql`fi.undone_at is null`, sql`u.path like ${`${q.unitPath}%`}`];
  if (q.taskCode)
    parts.push(sql`(upper(t.code) = upper(${q.taskCode}) or upper(t.item_code) = upper(${q.taskCode}))`);
  if (q.from) parts.push(sql`fi.filed_at >= ${q.from}`);
  if (q.to) parts.push(sql`fi.filed_at < ${q.to}`);
  for (const w of q.words) {
    const like = contains(w);
    const loose = looseSpelling(w);
    const doc = loose
      ? sql`s.doc ilike ${like} escape '\\'
            or regexp_replace(s.doc, ${SEPARATOR_RUN}, '-', 'g') ilike ${contains(loose)} escape '\\'`
      : sql`s.doc ilike ${like} escape '\\'`;
    parts.push(
      sql`(fi.title like ${like} or t.title like ${like} or coalesce(h.head_name, '') like ${like}
           or coalesce(p.name, '') like ${like} or u.name like ${like}
           or exists (select 1 from item_search s where s.item_id = fi.id and (${doc})))`,
    );
  }
  return sql.join(parts, sql` and `);
}

/**
 * A page of the live items of a unit (and below) matching the words of a `查` command
 * (findConditions), newest first: `limit` of them after the first `offset`, and how many match in all.
 */
export async function findItemsForCorrection(
  db: Db,
  q: FindItemsQuery & { limit: number; offset?: number },
): Promise<{ items: ItemForCorrection[]; total: number }> {
  const where = findConditions(q);
  const rows = await queryRows<ItemRow>(db, select(where, q.limit, q.offset ?? 0));
  const [count] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from filing_items fi
        join tasks t on t.id = fi.task_id
        join units u on u.id = t.unit_id
        left join households h on h.id = t.household_id
        left join people p on p.open_id = fi.filed_by
        where ${where}`,
  );
  return { items: await withItemFiles(db, rows.map(toItem)), total: Number(count?.n ?? 0) };
}

/** Pending correction requests of an item (asked by an officer, not yet answered). */
export async function pendingCorrectionRequest(
  db: Db | Tx,
  itemId: number,
): Promise<{ id: number; actor: string; text: string } | undefined> {
  const [row] = await queryRows<{ id: number; actor: string; text: string }>(
    db,
    sql`select r.id::int as id, r.actor, r.details->>'text' as text from audit_log r
        where r.item_id = ${itemId} and r.action = 'correction_request'
          and not exists (select 1 from audit_log a where a.item_id = ${itemId} and a.action = 'correction_answer'
                            and (a.details->>'requestId')::bigint = r.id)
        order by r.id desc limit 1`,
  );
  return row && { ...row, id: Number(row.id) };
}

/**
 * An approved request not carried out yet: an archivist answered 同意 (`correction_answer`, approved)
 * and no `correction_done` (carried out) or `correction_dropped` (不用改了) row names it. One per item
 * at most (one open request at a time).
 */
const approvedOpen = (where: SQL) => sql`
  select r.id::int as id, r.item_id::int as item_id, r.actor, r.details->>'text' as text, a.at as approved_at
  from audit_log r
  join audit_log a on a.item_id = r.item_id and a.action = 'correction_answer'
   and (a.details->>'requestId')::bigint = r.id and (a.details->>'approved')::boolean
  where r.action = 'correction_request' and ${where}
    and not exists (select 1 from audit_log d where d.item_id = r.item_id
                      and d.action in ('correction_done', 'correction_dropped')
                      and (d.details->>'requestId')::bigint = r.id)`;

export interface ApprovedRequest {
  id: number;
  itemId: number;
  /** The requester's open_id. */
  actor: string;
  text: string;
  approvedAt: Date;
}

const toApproved = (r: {
  id: number;
  item_id: number;
  actor: string;
  text: string;
  approved_at: Date | string;
}): ApprovedRequest => ({
  id: Number(r.id),
  itemId: Number(r.item_id),
  actor: r.actor,
  text: r.text,
  approvedAt: new Date(r.approved_at),
});

/** The item's approved request still to be carried out, if any. */
export async function approvedOpenRequest(db: Db | Tx, itemId: number): Promise<ApprovedRequest | undefined> {
  const rows = await queryRows<Parameters<typeof toApproved>[0]>(
    db,
    sql`${approvedOpen(sql`r.item_id = ${itemId}`)} order by r.id desc limit 1`,
  );
  return rows[0] && toApproved(rows[0]);
}

/**
 * Every approved request of the item still to be carried out, oldest first: one, as a rule (a second
 * 申请更正 is refused while one is owed), but an item may hold two approved before that rule.
 */
export async function approvedOpenRequestsOfItem(db: Db | Tx, itemId: number): Promise<ApprovedRequest[]> {
  const rows = await queryRows<Parameters<typeof toApproved>[0]>(
    db,
    sql`${approvedOpen(sql`r.item_id = ${itemId}`)} order by r.id`,
  );
  return rows.map(toApproved);
}

/**
 * Approved requests not carried out on live items of a unit and below, oldest approval first: what an
 * archivist said 同意 to and has still to correct (the `查` card lists them): the first `limit`, and
 * how many there are in all.
 */
export async function approvedOpenRequests(
  db: Db,
  q: { unitPath: string; limit: number },
): Promise<{ requests: ApprovedRequest[]; total: number }> {
  // The request's row names the item's unit (a refile never leaves it): read by unit, live items only.
  const open = approvedOpen(sql`r.unit_id in (select id from units where path like ${`${q.unitPath}%`})
                           and exists (select 1 from filing_items fi where fi.id = r.item_id
                                         and fi.undone_at is null)`);
  const rows = await queryRows<Parameters<typeof toApproved>[0]>(
    db,
    sql`${open} order by a.at, r.id limit ${q.limit}`,
  );
  const [count] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from (${open}) o`);
  return { requests: rows.map(toApproved), total: Number(count?.n ?? 0) };
}

/** A correction request by its audit row id. */
export async function correctionRequest(
  db: Db | Tx,
  requestId: number,
): Promise<{ id: number; itemId: number; actor: string; text: string; chatId: string | null } | undefined> {
  const [row] = await queryRows<{
    id: number;
    item_id: number;
    actor: string;
    text: string;
    chat_id: string | null;
  }>(
    db,
    sql`select id::int as id, item_id::int as item_id, actor, details->>'text' as text, chat_id from audit_log
        where id = ${requestId} and action = 'correction_request'`,
  );
  return (
    row && {
      id: Number(row.id),
      itemId: Number(row.item_id),
      actor: row.actor,
      text: row.text,
      chatId: row.chat_id,
    }
  );
}

/** Locks a filing item's row for the rest of the transaction (one request or answer at a time). */
export async function lockFilingItem(tx: Tx, itemId: number): Promise<boolean> {
  const rows = await queryRows(tx, sql`select id from filing_items where id = ${itemId} for update`);
  return rows.length > 0;
}
