import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { filingItemMaterials, filingItems } from '../schema/index.js';
import type { FilingKind } from '../../domain/checklist-filing.js';

export type { FilingKind };
export type { FilingVia } from '../schema/column-types.js';
import type { FilingVia } from '../schema/column-types.js';

export interface FilingItemRow {
  id: number;
  taskId: number;
  unitId: number;
  burstId: number | null;
  kind: FilingKind;
  title: string;
  nPhoto: number;
  nDocument: number;
  nAudio: number;
  nVideo: number;
  filedBy: string;
  filedAt: Date;
  via: FilingVia;
  chatId: string | null;
  refiledAt: Date | null;
  undoneAt: Date | null;
  undoneBy: string | null;
}

const toRow = (r: typeof filingItems.$inferSelect): FilingItemRow => ({
  ...r,
  kind: r.kind as FilingKind,
  via: r.via as FilingVia,
});

export async function getFilingItem(db: Db, id: number): Promise<FilingItemRow | undefined> {
  const [row] = await db.select().from(filingItems).where(eq(filingItems.id, id));
  return row && toRow(row);
}

/** The live (not undone) filing of a burst, if it was filed. */
export async function getLiveFilingOfBurst(db: Db, burstId: number): Promise<FilingItemRow | undefined> {
  const [row] = await db
    .select()
    .from(filingItems)
    .where(and(eq(filingItems.burstId, burstId), isNull(filingItems.undoneAt)));
  return row && toRow(row);
}

export type NewFilingItem = Omit<FilingItemRow, 'id' | 'refiledAt' | 'undoneAt' | 'undoneBy'>;

/**
 * Inserts a filing item with its materials (in order). Returns undefined when the burst already
 * has a live filing (the unique index decides, so concurrent clicks file once).
 */
export async function insertFilingItem(
  tx: Db,
  item: NewFilingItem,
  materialIds: number[],
): Promise<FilingItemRow | undefined> {
  const rows = await tx
    .insert(filingItems)
    .values(item)
    .onConflictDoNothing({
      target: filingItems.burstId,
      where: sql`undone_at is null and burst_id is not null`,
    })
    .returning({ id: filingItems.id });
  if (rows.length === 0) return undefined;
  const id = Number(rows[0]!.id);
  if (materialIds.length > 0) {
    await tx
      .insert(filingItemMaterials)
      .values(materialIds.map((materialId, position) => ({ itemId: id, materialId, position })));
  }
  return { ...item, id, refiledAt: null, undoneAt: null, undoneBy: null };
}

export async function itemMaterialIds(db: Db, itemId: number): Promise<number[]> {
  const rows = await db
    .select({ id: filingItemMaterials.materialId })
    .from(filingItemMaterials)
    .where(eq(filingItemMaterials.itemId, itemId))
    .orderBy(asc(filingItemMaterials.position));
  return rows.map((r) => r.id);
}

/** Whether `openId` sent one of the item's files (who took the photos knows what they show). */
export async function sentFileOfItem(db: Db, itemId: number, openId: string): Promise<boolean> {
  const rows = await queryRows<{ one: number }>(
    db,
    sql`select 1 as one from filing_item_materials fim join materials m on m.id = fim.material_id
        where fim.item_id = ${itemId} and m.sender_open_id = ${openId} limit 1`,
  );
  return rows.length > 0;
}

/**
 * Which copy of a file counts towards its task: the first in this window over a task's live copies
 * (columns task_id, kind, sha256, material_id, item_id). recountTaskCopies counts by it, and
 * item-files.ts says by it which files of an item repeat one counted elsewhere.
 */
export const COPY_ORDER = sql.raw('partition by task_id, kind, sha256 order by material_id, item_id');

/**
 * The same file counted once per task. An item's per-kind counts (n_photo…) are what it adds to its
 * task's progress (by task_filed, filed-count.ts), and everything that shows progress (task and unit
 * pages, 进度/缺什么, the digest, reminders, the progress-count triggers) sums them. A material whose bytes (sha256, same kind) are
 * already held by a lower-numbered material in a live item of the same task — the same photo sent
 * twice, or forwarded again, and filed to the task twice, or twice in one burst — is not counted
 * again: it stays in its item (it is shown, exported and can be taken off like any other), only the
 * item's count leaves it out. When the first copy leaves the task (撤销, 撤下, 改归, 撤回) the next
 * copy counts instead. A file whose format the archive refuses (materials.format_refused, judged at capture
 * as the 四性 check judges it: a ZIP, a MOV, a plain text file) is kept in its item too, and counts nothing:
 * the task stays owed until a file it can archive comes.
 *
 * Hashes are always known here: only stored materials are filed (fileBurst), and a file still
 * downloading joins its item when it is stored, with its hash (joinLiveFiling). So the counts are
 * recomputed, from the task's live items and their materials, in the same transaction as every change
 * to them: a filing, a late file joining, an undo, a move (both tasks) and a recall. Items holding no
 * materials are left as they are.
 */
export async function recountTaskCopies(tx: Db, taskIds: number[]): Promise<void> {
  const ids = [...new Set(taskIds)].sort((a, b) => a - b);
  if (ids.length === 0) return;
  const list = sql`${`{${ids.join(',')}}`}::bigint[]`;
  // Two filings of the same file to one task at once: the second recount waits, then sees both (the
  // lock the progress-count triggers take on the same rows, in the same order).
  await tx.execute(sql`select id from tasks where id = any(${list}) order by id for no key update`);
  await tx.execute(
    sql`with held as (
          select fi.id as item_id, fim.material_id, m.kind, m.sha256, fi.task_id,
            m.format_refused is true as refused
          from filing_items fi
            join filing_item_materials fim on fim.item_id = fi.id
            join materials m on m.id = fim.material_id
          where fi.task_id = any(${list}) and fi.undone_at is null),
        counted as (
          select h.item_id,
            count(*) filter (where h.kind = 'photo' and h.first and not h.refused)::int as n_photo,
            count(*) filter (where h.kind = 'document' and h.first and not h.refused)::int as n_document,
            count(*) filter (where h.kind = 'audio' and h.first and not h.refused)::int as n_audio,
            count(*) filter (where h.kind = 'video' and h.first and not h.refused)::int as n_video
          -- The lowest-numbered copy of each file counts (a window, not a self-join: a task may hold thousands).
          from (select h.*, h.sha256 is null or row_number() over (${COPY_ORDER}) = 1 as first
                from held h) h
          group by h.item_id)
        update filing_items fi
        set n_photo = c.n_photo, n_document = c.n_document, n_audio = c.n_audio, n_video = c.n_video
        from counted c
        where fi.id = c.item_id
          and (fi.n_photo, fi.n_document, fi.n_audio, fi.n_video)
            is distinct from (c.n_photo, c.n_document, c.n_audio, c.n_video)`,
  );
}

/** Marks a live item undone; false when it already was (a concurrent undo). */
export async function markItemUndone(tx: Db, itemId: number, by: string, at: Date): Promise<boolean> {
  const rows = await tx
    .update(filingItems)
    .set({ undoneAt: at, undoneBy: by })
    .where(and(eq(filingItems.id, itemId), isNull(filingItems.undoneAt)))
    .returning({ id: filingItems.id, taskId: filingItems.taskId });
  // A copy of the same file in another item of the task counts again.
  if (rows.length > 0) await recountTaskCopies(tx, [Number(rows[0]!.taskId)]);
  return rows.length > 0;
}

/**
 * Moves a live item to another task; false when it is no longer live. `retitle`: its 题名 becomes
 * `to` when it still reads `from` (the old task's own 题名; checked in the update, so a 题名 changed
 * meanwhile stays).
 */
export async function moveItem(
  tx: Db,
  itemId: number,
  to: { taskId: number; unitId: number; retitle?: { from: string; to: string } },
  at: Date,
): Promise<boolean> {
  const [before] = await tx
    .select({ taskId: filingItems.taskId })
    .from(filingItems)
    .where(eq(filingItems.id, itemId));
  const from = Number(before?.taskId ?? to.taskId);
  const rows = await tx
    .update(filingItems)
    .set({
      taskId: to.taskId,
      unitId: to.unitId,
      refiledAt: at,
      ...(to.retitle
        ? {
            title: sql`case when ${filingItems.title} = ${to.retitle.from} then ${to.retitle.to} else ${filingItems.title} end`,
          }
        : {}),
    })
    .where(and(eq(filingItems.id, itemId), isNull(filingItems.undoneAt)))
    .returning({ id: filingItems.id });
  if (rows.length === 0) return false;
  // Both tasks: a copy left behind may count again, and one already in the new task is not counted twice.
  await recountTaskCopies(tx, [from, to.taskId]);
  return true;
}

/**
 * How many times the burst was filed (undone filings included): the filing card's buttons carry it,
 * so a tap on a card drawn before the last filing (a replay after 撤销) is recognised as stale.
 */
export async function filingRoundOfBurst(db: Db, burstId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(filingItems)
    .where(eq(filingItems.burstId, burstId));
  return Number(row?.n ?? 0);
}

/**
 * A file of a filed burst that finished downloading after the filing (the burst's reply does not wait
 * for slow downloads) joins the item holding the burst's files now (lateFileItem: the burst's live
 * filing, or the item it was 并入), its count included. The burst's row is locked first, as fileBurst
 * does, so a filing and a download finishing at the same moment cannot both miss the file; then the
 * item's, as a regroup and a recall take it. An item that already has its 档号 is left as confirmed.
 * Returns the item joined, if any.
 */
export async function joinLiveFiling(
  tx: Db,
  m: { materialId: number; burstId: number; kind: string },
): Promise<{ itemId: number; unitId: number; taskId: number; chatId: string | null } | undefined> {
  await queryRows(tx, sql`select id from bursts where id = ${m.burstId} for update`);
  const itemId = await lateFileItem(tx, m.burstId, m.materialId);
  if (itemId === undefined) return undefined;
  const one = (k: string) => (m.kind === k ? 1 : 0);
  const [row] = await queryRows<{ id: number; unit_id: number; task_id: number; chat_id: string | null }>(
    tx,
    sql`with item as (select ${itemId}::bigint as id),
        added as (
          insert into filing_item_materials (item_id, material_id, position)
          select item.id, ${m.materialId},
                 coalesce((select max(x.position) + 1 from filing_item_materials x where x.item_id = item.id), 0)
          from item
          on conflict do nothing
          returning item_id)
        update filing_items set n_photo = n_photo + ${one('photo')}, n_document = n_document + ${one('document')},
               n_audio = n_audio + ${one('audio')}, n_video = n_video + ${one('video')}
        where id in (select item_id from added)
        returning id::int as id, unit_id::int as unit_id, task_id::int as task_id, chat_id`,
  );
  // A late file the task already holds (the same photo filed before) is not counted twice.
  if (row) await recountTaskCopies(tx, [Number(row.task_id)]);
  return row
    ? {
        itemId: Number(row.id),
        unitId: Number(row.unit_id),
        taskId: Number(row.task_id),
        chatId: row.chat_id,
      }
    : undefined;
}

/**
 * The live item a late file of the burst joins, its row locked: the burst's live filing; without one,
 * when its last filing was 并入 another item, that item (as item-regroup's mergedInto) while it is live
 * and holds some of the burst's files, else the live item holding most of the burst's other files (a
 * filing 撤销 leaves the file for the burst's next filing, even when some of its files were 移出 into an
 * item that lives on). Undefined when there is none, or when that item is confirmed. The candidates are locked lowest id first and read
 * again until none is new: a 并入 committed while this waited has moved the files into an item that
 * was no candidate before, and the item it ended is no longer live.
 */
async function lateFileItem(tx: Db, burstId: number, materialId: number): Promise<number | undefined> {
  const held = new Set<number>();
  for (;;) {
    const rows = await queryRows<{ id: number; confirmed: boolean }>(
      tx,
      sql`with held as (
            select fim.item_id from materials x join filing_item_materials fim on fim.material_id = x.id
            where x.burst_id = ${burstId} and x.id <> ${materialId})
          select fi.id::int as id,
            exists (select 1 from archive_records ar where ar.item_id = fi.id and ar.status = 'confirmed') as confirmed
          from filing_items fi
          where fi.undone_at is null
            and (fi.burst_id = ${burstId}
              or (fi.id in (select item_id from held)
                and exists (select 1 from audit_log a where a.action = 'merged_into'
                  and a.item_id = (select max(b.id) from filing_items b where b.burst_id = ${burstId}))))
          order by fi.burst_id is not distinct from ${burstId} desc,
            fi.id is not distinct from (select (a.details->>'intoItemId')::bigint from audit_log a
              where a.action = 'merged_into'
                and a.item_id = (select max(b.id) from filing_items b where b.burst_id = ${burstId})
              order by a.at desc, a.id desc limit 1) desc,
            (select count(*) from held h where h.item_id = fi.id) desc, fi.id`,
    );
    const more = rows.map((r) => Number(r.id)).filter((id) => !held.has(id));
    if (more.length === 0) return rows[0] && !rows[0].confirmed ? Number(rows[0].id) : undefined;
    for (const id of more) held.add(id);
    // The whole set again, in id order (rows already held are no wait).
    await queryRows(
      tx,
      sql`select id from filing_items where id = any(${`{${[...held].join(',')}}`}::bigint[]) order by id for update`,
    );
  }
}
