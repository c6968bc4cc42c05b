import { and, eq, sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import { archiveRecords, auditLog } from '../schema/index.js';
import { auditDetails } from './audit.js';
import type { ItemKind } from '../../domain/archival-code.js';
import { SEPARATOR_RUN } from '../../domain/typed-archival-code.js';

export type ArchiveRecordRow = typeof archiveRecords.$inferSelect;
export type NewArchiveRecord = typeof archiveRecords.$inferInsert;

/**
 * Locks the counters of the given classes (creating missing ones at 0), in key order so two
 * confirmations never deadlock. Must run inside the transaction that hands out the numbers.
 */
export async function lockClassCounters(
  tx: Tx,
  classKeys: string[],
  now: Date,
): Promise<Map<string, number>> {
  const keys = [...new Set(classKeys)].sort();
  const out = new Map<string, number>();
  for (const key of keys) {
    await tx.execute(
      sql`insert into archive_counters (class_key, last_number, updated_at) values (${key}, 0, ${now})
          on conflict (class_key) do nothing`,
    );
    const [row] = await queryRows<{ last: number }>(
      tx,
      sql`select last_number::int as last from archive_counters where class_key = ${key} for update`,
    );
    out.set(key, Number(row!.last));
  }
  return out;
}

export async function setClassCounter(tx: Tx, classKey: string, last: number, now: Date): Promise<void> {
  await tx.execute(
    sql`update archive_counters set last_number = ${last}, updated_at = ${now} where class_key = ${classKey}`,
  );
}

export async function insertArchiveRecords(tx: Tx, rows: NewArchiveRecord[], chunk = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk)
    await tx.insert(archiveRecords).values(rows.slice(i, i + chunk));
}

/**
 * Fixes the 张号 of the photos of the items' live records: their order in the group now (filing
 * order), from 1. Run in the confirming transaction; a later recall leaves its number unused.
 */
export async function numberRecordPhotos(tx: Tx, itemIds: number[]): Promise<void> {
  if (itemIds.length === 0) return;
  await tx.execute(
    sql`insert into archive_photo_numbers (record_id, material_id, photo_number)
        select ar.id, fim.material_id, row_number() over (partition by ar.id order by fim.position, m.id)
        from archive_records ar
        join filing_item_materials fim on fim.item_id = ar.item_id
        join materials m on m.id = fim.material_id
        where ar.item_id = any(${`{${itemIds.join(',')}}`}::bigint[]) and ar.status = 'confirmed'
          and m.kind = 'photo'
        on conflict do nothing`,
  );
}

/**
 * Files recalled off a live record: its 页数 (counted at confirmation, one per file that is not a PDF)
 * loses one per such file, so the catalogue does not count pages the 件 no longer has. A PDF's pages
 * were counted from its bytes, which this does not read: how many PDFs left is returned instead. A
 * record without a count (none was made at confirmation) keeps none: the catalogue then counts the
 * files the 件 still holds, which is right, where a number written now (1) would not be. The 页数 an
 * archivist entered (著录, which the catalogue prints instead) is returned, never changed: only they know
 * what it counted.
 */
export async function lowerRecordPages(
  tx: Tx,
  recordId: number,
  materialIds: number[],
): Promise<{ pages: number | null; pdfs: number; described: number | null }> {
  const ids = `{${materialIds.join(',')}}`;
  const [row] = await queryRows<{ pages: number | null; pdfs: number; described: number | null }>(
    tx,
    sql`with gone as (
          select count(*) filter (where coalesce(sniffed_mime, '') <> 'application/pdf')::int as others,
                 count(*) filter (where sniffed_mime = 'application/pdf')::int as pdfs
          from materials where id = any(${ids}::bigint[]))
        update archive_records ar
        set pages = case when ar.pages is null then null else greatest(ar.pages - gone.others, 1) end
        from gone where ar.id = ${recordId}
        returning ar.pages::int as pages, gone.pdfs as pdfs,
          (select d.pages::int from item_descriptions d where d.item_id = ar.item_id) as described`,
  );
  return {
    pages: row?.pages == null ? null : Number(row.pages),
    pdfs: Number(row?.pdfs ?? 0),
    described: row?.described == null ? null : Number(row.described),
  };
}

/** Photos recalled off a live record: their 张号 stay unused (the catalogue says so). */
export async function markPhotoNumbersRecalled(
  tx: Tx,
  recordId: number,
  materialIds: number[],
  at: Date,
): Promise<void> {
  if (materialIds.length === 0) return;
  await tx.execute(
    sql`update archive_photo_numbers set recalled_at = ${at}
        where record_id = ${recordId} and material_id = any(${`{${materialIds.join(',')}}`}::bigint[])
          and recalled_at is null`,
  );
}

export async function liveRecordOfItem(db: Db, itemId: number): Promise<ArchiveRecordRow | undefined> {
  const [row] = await db
    .select()
    .from(archiveRecords)
    .where(and(eq(archiveRecords.itemId, itemId), eq(archiveRecords.status, 'confirmed')));
  return row;
}

/**
 * Locks the item's row (as confirmation does) and returns its live 档号, if any. Call inside the
 * transaction that undoes, moves or re-describes the item: a confirmation either committed first
 * (and its record is seen here) or waits for this transaction and then skips the changed item.
 */
export async function lockItemLiveRecord(tx: Tx, itemId: number): Promise<ArchiveRecordRow | undefined> {
  await tx.execute(sql`select id from filing_items where id = ${itemId} for update`);
  return liveRecordOfItem(tx, itemId);
}

/** The refusal for changing an item that holds a live 档号. */
export const confirmedRefusal = (archivalCode: string): string =>
  `该件已确认归档（档号 ${archivalCode}），请档案员先撤销确认`;

export async function recordByCode(db: Db, archivalCode: string): Promise<ArchiveRecordRow | undefined> {
  const [row] = await db.select().from(archiveRecords).where(eq(archiveRecords.archivalCode, archivalCode));
  return row;
}

/**
 * The records whose 档号 has the loose form `loose` (typed-archival-code.ts: each run of separators
 * as one `-`, upper case …): what a mistyped 档号 names. Several only when codes differ in nothing but
 * those characters.
 */
export async function recordsByLooseCode(db: Db, loose: string): Promise<ArchiveRecordRow[]> {
  return db
    .select()
    .from(archiveRecords)
    .where(sql`upper(regexp_replace(${archiveRecords.archivalCode}, ${SEPARATOR_RUN}, '-', 'g')) = ${loose}`)
    .orderBy(archiveRecords.id);
}

/** Retires a live number; false when it was not live any more (a concurrent unconfirm). */
export async function withdrawRecord(
  tx: Tx,
  id: number,
  by: string,
  at: Date,
  reason: string | null,
): Promise<boolean> {
  const rows = await tx
    .update(archiveRecords)
    .set({ status: 'withdrawn', withdrawnAt: at, withdrawnBy: by, withdrawnReason: reason })
    .where(and(eq(archiveRecords.id, id), eq(archiveRecords.status, 'confirmed')))
    .returning({ id: archiveRecords.id });
  return rows.length > 0;
}

/** Audit rows for archive actions (confirm / unconfirm / describe), written in the same transaction. */
export async function insertArchiveAudit(
  tx: Tx,
  rows: {
    at: Date;
    actor: string;
    action: 'confirm' | 'unconfirm' | 'describe';
    source: 'chat' | 'card' | 'cli' | 'page';
    unitId: number | null;
    taskId?: number | null;
    itemId: number;
    details: Record<string, unknown>;
  }[],
  chunk = 500,
): Promise<void> {
  const withOperator = rows.map((r) => ({ ...r, details: auditDetails(r.source, r.details) }));
  for (let i = 0; i < rows.length; i += chunk)
    await tx.insert(auditLog).values(withOperator.slice(i, i + chunk));
}

/** The classes' last 件号 as they stand (0 for a class never numbered), read without a lock: a dry run. */
export async function classCounters(db: Db, classKeys: string[]): Promise<Map<string, number>> {
  const keys = [...new Set(classKeys)];
  const out = new Map(keys.map((k) => [k, 0]));
  if (keys.length === 0) return out;
  const rows = await queryRows<{ key: string; last: number }>(
    db,
    sql`select class_key as key, last_number::int as last from archive_counters
        where class_key in (${sql.join(
          keys.map((k) => sql`${k}`),
          sql`, `,
        )})`,
  );
  for (const r of rows) out.set(r.key, Number(r.last));
  return out;
}

/** The class's live and withdrawn numbers, and the counter, for the continuity check. */
export async function classNumbers(db: Db, classKey: string): Promise<{ numbers: number[]; last: number }> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`select piece_number::int as n from archive_records where class_key = ${classKey} order by piece_number`,
  );
  const [counter] = await queryRows<{ last: number }>(
    db,
    sql`select last_number::int as last from archive_counters where class_key = ${classKey}`,
  );
  return { numbers: rows.map((r) => Number(r.n)), last: Number(counter?.last ?? 0) };
}

/** Items confirmed as another 门类 than they were filed as (a photographed form under a 文书 task). */
export async function setItemKinds(tx: Tx, itemIds: number[], kind: ItemKind): Promise<void> {
  if (itemIds.length === 0) return;
  await tx.execute(
    sql`update filing_items set kind = ${kind} where id in (${sql.join(
      itemIds.map((id) => sql`${id}`),
      sql`, `,
    )}) and kind <> ${kind}`,
  );
}

/**
 * The live records one confirmation batch numbered (its audit rows carry `details.batch`, the preview
 * card's message), in class and 件号 order: what a retry of that card's job reports.
 */
export async function recordsOfConfirmBatch(
  db: Db,
  batch: string,
): Promise<{ itemId: number; archivalCode: string; classKey: string }[]> {
  const rows = await queryRows<{ itemId: number; archivalCode: string; classKey: string }>(
    db,
    sql`select ar.item_id::int as "itemId", ar.archival_code as "archivalCode", ar.class_key as "classKey"
        from audit_log al
        join archive_records ar on ar.item_id = al.item_id and ar.archival_code = al.details->>'archivalCode'
        where al.action = 'confirm' and al.details->>'batch' = ${batch} and ar.status = 'confirmed'
        order by ar.class_key, ar.piece_number`,
  );
  return rows.map((r) => ({ ...r, itemId: Number(r.itemId) }));
}
