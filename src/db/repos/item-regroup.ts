import { sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import { archiveAsOf, archiveKindOf } from '../../domain/checklist-filing.js';
import type { RegroupItem } from '../../domain/item-regroup.js';
import { CORRECTED_CARD_JOB } from '../../domain/job-types.js';
import { enqueueJob } from './jobs.js';
import { getFilingItem, markItemUndone, recountTaskCopies, type FilingItemRow } from './filings.js';

const idList = (ids: readonly number[]) => sql`${`{${ids.join(',')}}`}::bigint[]`;

/**
 * Locks the items' rows, lowest id first, and reads each as the regroup rules see it (its live 档号 and
 * its files in order) after the lock was granted. The lock is the one confirmation, refile, undo and
 * 更正著录 take (lockItemLiveRecord), so whichever of them comes second sees what the first did; taking
 * it in id order means two merges crossing (A←B and B←A at once) queue instead of deadlocking.
 */
export async function lockRegroupItems(
  tx: Tx,
  ids: readonly number[],
): Promise<Map<number, { row: FilingItemRow; rules: RegroupItem }>> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  await tx.execute(sql`select id from filing_items where id = any(${idList(sorted)}) order by id for update`);
  const out = new Map<number, { row: FilingItemRow; rules: RegroupItem }>();
  for (const id of sorted) {
    const row = await getFilingItem(tx, id);
    if (!row) continue;
    const [code] = await queryRows<{ archival_code: string }>(
      tx,
      sql`select archival_code from archive_records where item_id = ${id} and status = 'confirmed'`,
    );
    const files = await queryRows<{ id: number }>(
      tx,
      sql`select material_id::int as id from filing_item_materials where item_id = ${id}
          order by position, material_id`,
    );
    out.set(id, {
      row,
      rules: {
        id,
        taskId: row.taskId,
        unitId: row.unitId,
        undone: row.undoneAt !== null,
        archivalCode: code?.archival_code ?? null,
        materialIds: files.map((f) => Number(f.id)),
      },
    });
  }
  return out;
}

/**
 * Moves `materialIds` (in this order) from one item to the end of another, with their per-photo notes
 * (photo_notes: 说明 / 背景 follow their photo), then numbers both items' files 0..n-1 again. Throws
 * when a file is no longer in `from` (the caller's transaction then changes nothing).
 */
async function moveFiles(
  tx: Tx,
  fromId: number,
  toId: number,
  materialIds: readonly number[],
): Promise<void> {
  const list = idList(materialIds);
  const moved = await queryRows<{ material_id: number }>(
    tx,
    sql`update filing_item_materials fim
        set item_id = ${toId},
            position = coalesce((select max(x.position) + 1 from filing_item_materials x where x.item_id = ${toId}), 0)
              + array_position(${list}, fim.material_id) - 1
        where fim.item_id = ${fromId} and fim.material_id = any(${list})
        returning fim.material_id`,
  );
  if (moved.length !== materialIds.length) throw new Error(`item ${fromId}: files changed while regrouping`);
  await tx.execute(
    sql`insert into photo_notes (item_id, material_id, note, background, described_by, described_at)
        select ${toId}, material_id, note, background, described_by, described_at from photo_notes
        where item_id = ${fromId} and material_id = any(${list})
        on conflict (item_id, material_id) do update
          set note = excluded.note, background = excluded.background,
              described_by = excluded.described_by, described_at = excluded.described_at`,
  );
  await tx.execute(sql`delete from photo_notes where item_id = ${fromId} and material_id = any(${list})`);
  for (const id of [fromId, toId])
    await tx.execute(
      sql`update filing_item_materials fim set position = r.n
          from (select material_id, (row_number() over (order by position, material_id) - 1)::int as n
                from filing_item_materials where item_id = ${id}) r
          where fim.item_id = ${id} and fim.material_id = r.material_id and fim.position <> r.n`,
    );
}

/**
 * Each item's 门类 from the files it holds now, as filing decides it (file-burst.ts: a task archived as
 * 文书 makes a 文书 件 of anything; otherwise all photos make a 照片组): a 移出 that leaves two photos of
 * a photo and a PDF, or a 并入 of a video into photos, kept the old kind, and 确认归档 numbered the
 * photos under 文书 (WS) or the mix under 照片.
 */
async function setKindsFromFiles(tx: Tx, itemIds: readonly number[]): Promise<void> {
  for (const id of itemIds) {
    const rows = await queryRows<{ kind: string; archive_as: string | null; task_kinds: string[] }>(
      tx,
      sql`select m.kind, t.archive_as, t.kinds as task_kinds from filing_items fi
            join tasks t on t.id = fi.task_id
            join filing_item_materials fim on fim.item_id = fi.id
            join materials m on m.id = fim.material_id
          where fi.id = ${id}`,
    );
    const task = rows[0];
    if (!task) continue;
    const kind = archiveKindOf(
      rows.map((r) => r.kind),
      (task.archive_as as ReturnType<typeof archiveAsOf> | null) ?? archiveAsOf(task.task_kinds),
    );
    await tx.execute(sql`update filing_items set kind = ${kind} where id = ${id} and kind <> ${kind}`);
  }
}

/**
 * 移出: a new live item of the source's task, unit, filer, filing time, way and chat, titled `title`
 * (the caller's provisional one, told apart from the source's), holding `materialIds`. It carries no
 * burst: a burst has one live filing (filing_items_live_burst_key), which stays the source, so the
 * burst's card, a late download of it and 撤销 keep to the source. Per-kind counts are recounted for the
 * task, so the progress triggers count the new 件 (a 份 more in a document task holding photos).
 * Returns the new item's id.
 */
export async function splitItemRows(
  tx: Tx,
  source: FilingItemRow,
  materialIds: readonly number[],
  title: string,
): Promise<number> {
  const [row] = await queryRows<{ id: number }>(
    tx,
    sql`insert into filing_items (task_id, unit_id, burst_id, kind, title, filed_by, filed_at, via, chat_id)
        values (${source.taskId}, ${source.unitId}, null, ${source.kind}, ${title}, ${source.filedBy},
                ${source.filedAt}, ${source.via}, ${source.chatId})
        returning id::int as id`,
  );
  const newId = Number(row!.id);
  await moveFiles(tx, source.id, newId, materialIds);
  await setKindsFromFiles(tx, [source.id, newId]);
  await recountTaskCopies(tx, [source.taskId]);
  return newId;
}

/**
 * 并入: `from` is marked undone (by `actor`; its row, 著录 and audit stay, so its page says where its
 * files went), then its files follow `into`'s and the task is recounted: one 件 less, the same files.
 */
export async function mergeItemRows(
  tx: Tx,
  into: FilingItemRow,
  from: FilingItemRow,
  materialIds: readonly number[],
  actor: string,
  now: Date,
): Promise<void> {
  // Undone first: while its files move, the task's recount never sees them in two live items.
  if (!(await markItemUndone(tx, from.id, actor, now))) throw new Error(`item ${from.id} undone meanwhile`);
  await moveFiles(tx, from.id, into.id, materialIds);
  await setKindsFromFiles(tx, [into.id]);
  await recountTaskCopies(tx, [into.taskId]);
}

/** The item an undone item was 并入 (its `merged_into` audit row), if it was. */
export async function mergedInto(db: Db | Tx, itemId: number): Promise<number | undefined> {
  const [r] = await queryRows<{ into: number | string }>(
    db,
    sql`select (details->>'intoItemId')::bigint as into from audit_log
        where item_id = ${itemId} and action = 'merged_into' order by at desc, id desc limit 1`,
  );
  return r ? Number(r.into) : undefined;
}

/** An item's files in order (id, kind, file name), for `archive files`; undefined when there is no such item. */
export async function itemFilesList(
  db: Db,
  itemId: number,
): Promise<{ materialId: number; kind: string; name: string | null }[] | undefined> {
  const [item] = await queryRows<{ id: number }>(db, sql`select id from filing_items where id = ${itemId}`);
  if (!item) return undefined;
  const rows = await queryRows<{ id: number; kind: string; original_name: string | null }>(
    db,
    sql`select m.id::int as id, m.kind, m.original_name from filing_item_materials fim
          join materials m on m.id = fim.material_id
        where fim.item_id = ${itemId} order by fim.position, m.id`,
  );
  return rows.map((r) => ({ materialId: Number(r.id), kind: r.kind, name: r.original_name }));
}

/**
 * After 移出 / 并入: the chat cards of the items' bursts drawn as they are now (the corrected-card job a
 * correction uses), enqueued in the regroup's transaction so they are drawn exactly when it committed:
 * a merged item's card says where its files went (no 撤销, no tasks), the other what its item holds now
 * (filedCardAfterRecall) and its task's new count.
 * Keyed by the audit row, so each regroup draws them once.
 */
export async function redrawRegroupedCards(
  tx: Tx,
  burstIds: readonly (number | null)[],
  auditId: number,
  now: Date,
): Promise<void> {
  for (const burstId of new Set(burstIds))
    if (burstId !== null)
      await enqueueJob(
        tx,
        { type: CORRECTED_CARD_JOB, key: `${burstId}:${auditId}`, payload: { burstId }, runAt: now },
        now,
      );
}
