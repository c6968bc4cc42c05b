import { sql } from 'drizzle-orm';
import {
  DOWNLOAD_MATERIAL_JOB,
  EXPAND_FORWARD_JOB,
  UNKEPT_NOTICE_JOB,
  MAKE_THUMBNAIL_JOB,
  REACT_STORED_JOB,
  UNCLEAR_TEXT_JOB,
  LATE_CAPTION_JOB,
  UNSAVED_NOTICE_JOB,
} from '../../domain/job-types.js';
import type { BurstCounts } from '../../domain/burst-summary.js';
import type { MessageRecall } from '../../domain/incoming.js';
import { queryRows, type Db } from '../client.js';
import { recountTaskCopies } from './filings.js';

/**
 * The lock a recall and the capture of its message share (the insert triggers of migration 0019 take
 * it for each new message and material, keyed by the top-level message): whichever comes second sees
 * the other, so a recall racing its own message's capture is never missed.
 */
export async function lockRecallOf(tx: Db, messageId: string): Promise<void> {
  await queryRows(
    tx,
    sql`select pg_advisory_xact_lock(hashtext(${`recall:${messageId}`})) is null as locked`,
  );
}

/**
 * The recalled message as the bot recorded it, if it saw it: its row in `messages`, else a material
 * of it (materials recorded without their message, e.g. by an import, are recalled all the same).
 */
export async function messageForRecall(
  tx: Db,
  messageId: string,
): Promise<{ chatId: string; senderOpenId: string | null } | undefined> {
  const [row] = await queryRows<{ chat_id: string; sender_open_id: string | null }>(
    tx,
    sql`(select chat_id, sender_open_id from messages where message_id = ${messageId})
        union all (select chat_id, sender_open_id from materials where message_id = ${messageId} limit 1)
        limit 1`,
  );
  return row && { chatId: row.chat_id, senderOpenId: row.sender_open_id };
}

/** Records the recall once per (message, chat); false when it was recorded before (a repeat). */
export async function insertRecall(tx: Db, r: MessageRecall, now: Date): Promise<boolean> {
  const rows = await queryRows<{ message_id: string }>(
    tx,
    sql`insert into message_recalls (message_id, chat_id, recalled_at, recall_type, recorded_at)
        values (${r.messageId}, ${r.chatId}, ${r.recalledAt}, ${r.recallType ?? null}, ${now})
        on conflict (message_id, chat_id) do nothing
        returning message_id`,
  );
  return rows.length > 0;
}

/**
 * Whether Lark told of this message's recall in that chat (before the message itself arrived, say).
 * Race-free inside the capture's transaction once its message row is inserted: the insert trigger
 * took the recall's lock (lockRecallOf).
 */
export async function wasRecalled(tx: Db, messageId: string, chatId: string): Promise<boolean> {
  const rows = await queryRows<{ one: number }>(
    tx,
    sql`select 1 as one from message_recalls where message_id = ${messageId} and chat_id = ${chatId}`,
  );
  return rows.length > 0;
}

export interface RecalledMaterial {
  id: number;
  burstId: number | null;
  kind: string;
}

/**
 * Marks the message's materials (a merged forward's children included) `recalled` and drops the texts
 * the bot kept of it (the message's text, the caption kept with each material). A photo's quality note goes too: the
 * quality lists and counts (digest, unit pages) read it from their own partial index, and a recalled
 * photo is nothing to improve. Stored bytes are NOT deleted: blobs are content-addressed and another
 * material (the same photo sent again, elsewhere) may hold the very same file.
 */
export async function markRecalled(tx: Db, messageId: string): Promise<RecalledMaterial[]> {
  await queryRows(
    tx,
    sql`update messages set text = null
        where (message_id = ${messageId} or forward_root_id = ${messageId}) and text is not null`,
  );
  const rows = await queryRows<{ id: number; burst_id: number | null; kind: string }>(
    tx,
    sql`update materials set status = 'recalled', quality = null, caption = null
        where (message_id = ${messageId} or forward_root_id = ${messageId}) and status <> 'recalled'
        returning id::int as id, burst_id::int as burst_id, kind`,
  );
  return rows
    .map((r) => ({ id: Number(r.id), burstId: r.burst_id == null ? null : Number(r.burst_id), kind: r.kind }))
    .sort((a, b) => a.id - b.id);
}

/**
 * Work queued for the recalled message and not yet started is dropped (done, never run): its downloads,
 * the merged forward's reading, thumbnails, the 「收到」 reaction, notices of a failed file. A download
 * already running finds the material recalled when it records (download-record.ts) and files nothing.
 */
export async function dropQueuedWork(
  tx: Db,
  messageId: string,
  materialIds: number[],
  now: Date,
): Promise<number> {
  const keys = `{${materialIds.join(',')}}`;
  const rows = await queryRows<{ id: number }>(
    tx,
    sql`update jobs set status = 'done', finished_at = ${now}
        where status = 'pending' and (
          (kind in (${DOWNLOAD_MATERIAL_JOB.name}, ${MAKE_THUMBNAIL_JOB.name}, ${UNSAVED_NOTICE_JOB.name})
            and key = any(${keys}::text[]))
          or (kind in (${EXPAND_FORWARD_JOB.name}, ${REACT_STORED_JOB.name}, ${UNKEPT_NOTICE_JOB.name},
                       ${UNCLEAR_TEXT_JOB.name}, ${LATE_CAPTION_JOB.name})
            and key = ${messageId}))
        returning id::int as id`,
  );
  return rows.length;
}

/**
 * Locks the message's materials not yet recalled (a merged forward's children included), lowest id
 * first, before anything else of the recall: the first step of the order a finishing download takes too
 * (its material, then its burst, then the item it joins). Returns their ids and bursts.
 */
export async function lockRecalledMaterials(tx: Db, messageId: string): Promise<RecalledMaterial[]> {
  const rows = await queryRows<{ id: number; burst_id: number | null; kind: string }>(
    tx,
    sql`select id::int as id, burst_id::int as burst_id, kind from materials
        where (message_id = ${messageId} or forward_root_id = ${messageId}) and status <> 'recalled'
        order by id for no key update`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    burstId: r.burst_id == null ? null : Number(r.burst_id),
    kind: r.kind,
  }));
}

/**
 * Locks, lowest id first, the items the recall may change: those holding its materials, and the live
 * filings of its bursts and of the bursts whose caption holds its text (their 题名). Taken after the
 * materials and bursts and before any item, file row or search row is written, the order a regroup
 * (lockRegroupItems: items in id order, then their files) and a late download take: a 移出 or 并入 of
 * the same item at the same moment either commits first — then the items it made are locked too,
 * read again until no new one appears — or waits for the recall and sees it; never a deadlock.
 */
export async function lockRecallItems(tx: Db, materialIds: number[], burstIds: number[]): Promise<void> {
  const held = new Set<number>();
  const materials = `{${materialIds.join(',')}}`;
  const bursts = `{${burstIds.join(',')}}`;
  for (;;) {
    const rows = await queryRows<{ id: number }>(
      tx,
      sql`select item_id::int as id from filing_item_materials where material_id = any(${materials}::bigint[])
          union select id::int from filing_items where burst_id = any(${bursts}::bigint[]) and undone_at is null`,
    );
    const more = rows.map((r) => Number(r.id)).filter((id) => !held.has(id));
    if (more.length === 0) return;
    for (const id of more) held.add(id);
    // The whole set again, in id order (rows already held are no wait).
    await queryRows(
      tx,
      sql`select id from filing_items where id = any(${`{${[...held].join(',')}}`}::bigint[]) order by id for update`,
    );
  }
}

export interface RecallBurst {
  id: number;
  chatId: string;
  /** The burst's reply (its filing card) went out, or is going out. */
  answered: boolean;
  ackMessageId: string | null;
}

/**
 * Locks the bursts' rows (as a filing, a split and a late download joining a filing do) and returns
 * them: a filing of the burst either committed before (and the recall takes the files off it) or
 * files without them.
 */
export async function lockRecallBursts(tx: Db, ids: number[]): Promise<RecallBurst[]> {
  if (ids.length === 0) return [];
  const rows = await queryRows<{
    id: number;
    chat_id: string;
    answered: boolean;
    ack_message_id: string | null;
  }>(
    tx,
    sql`select id::int as id, chat_id, ack_claimed_at is not null as answered, ack_message_id from bursts
        where id = any(${`{${ids.join(',')}}`}::bigint[]) order by id for update`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    chatId: r.chat_id,
    answered: !!r.answered,
    ackMessageId: r.ack_message_id,
  }));
}

export interface ItemTakenOff {
  itemId: number;
  taskId: number;
  unitId: number;
  taskTitle: string;
  /** Materials taken off this item. */
  materialIds: number[];
  /** Materials the item still holds. */
  remaining: number;
  /** Its live 档号, if it was confirmed. */
  archiveRecordId: number | null;
  archivalCode: string | null;
}

/**
 * Takes the materials off the live items holding them and lowers the items' per-kind counts (the
 * progress triggers recount the tasks from them; the search triggers rewrite the items' text). A copy
 * of a file the task held twice was not counted (recountTaskCopies): the lowered counts stop at 0 and
 * the tasks' copies are recounted, so the other copy counts if this one did.
 */
export async function takeOffLiveItems(tx: Db, materialIds: number[]): Promise<ItemTakenOff[]> {
  if (materialIds.length === 0) return [];
  const rows = await queryRows<{
    item_id: number;
    task_id: number;
    unit_id: number;
    task_title: string;
    material_ids: number[] | string;
    remaining: number;
    record_id: number | null;
    archival_code: string | null;
  }>(
    tx,
    sql`with gone as (
          delete from filing_item_materials fim using filing_items fi, materials m
          where fim.item_id = fi.id and fi.undone_at is null and m.id = fim.material_id
            and fim.material_id = any(${`{${materialIds.join(',')}}`}::bigint[])
          returning fim.item_id, fim.material_id, m.kind),
        counted as (
          update filing_items fi set
            n_photo = greatest(0, fi.n_photo - (select count(*) from gone g where g.item_id = fi.id and g.kind = 'photo')),
            n_document = greatest(0, fi.n_document - (select count(*) from gone g where g.item_id = fi.id and g.kind = 'document')),
            n_audio = greatest(0, fi.n_audio - (select count(*) from gone g where g.item_id = fi.id and g.kind = 'audio')),
            n_video = greatest(0, fi.n_video - (select count(*) from gone g where g.item_id = fi.id and g.kind = 'video'))
          where fi.id in (select item_id from gone)
          returning fi.id, fi.task_id, fi.unit_id)
        select c.id::int as item_id, c.task_id::int as task_id, c.unit_id::int as unit_id, t.title as task_title,
          (select array_agg(g.material_id::int order by g.material_id) from gone g where g.item_id = c.id) as material_ids,
          (select count(*)::int from filing_item_materials x where x.item_id = c.id
             and not (x.material_id = any(${`{${materialIds.join(',')}}`}::bigint[]))) as remaining,
          ar.id::int as record_id, ar.archival_code
        from counted c join tasks t on t.id = c.task_id
          left join archive_records ar on ar.item_id = c.id and ar.status = 'confirmed'
        order by c.id`,
  );
  await recountTaskCopies(
    tx,
    rows.map((r) => Number(r.task_id)),
  );
  return rows.map((r) => ({
    itemId: Number(r.item_id),
    taskId: Number(r.task_id),
    unitId: Number(r.unit_id),
    taskTitle: r.task_title,
    materialIds: parseIntArray(r.material_ids),
    remaining: Number(r.remaining),
    archiveRecordId: r.record_id == null ? null : Number(r.record_id),
    archivalCode: r.archival_code,
  }));
}

/** postgres.js gives an int[] as an array, PGlite sometimes as its text form `{1,2}`. */
function parseIntArray(v: number[] | string | null): number[] {
  if (v == null) return [];
  if (Array.isArray(v)) return v.map(Number);
  return v
    .replace(/[{}]/g, '')
    .split(',')
    .filter((x) => x !== '')
    .map(Number);
}

/**
 * Whether nothing of the burst is left to file because its messages were recalled: every material it
 * has is recalled, or it has none and its first message (a merged forward not read yet) was recalled.
 */
export async function burstWhollyRecalled(db: Db, burstId: number): Promise<boolean> {
  const [row] = await queryRows<{ recalled: boolean }>(
    db,
    sql`select case
          when exists (select 1 from materials m where m.burst_id = b.id)
            then not exists (select 1 from materials m where m.burst_id = b.id and m.status <> 'recalled')
          else exists (select 1 from message_recalls r
                       where r.message_id = b.first_message_id and r.chat_id = b.chat_id)
        end as recalled
        from bursts b where b.id = ${burstId}`,
  );
  return !!row?.recalled;
}

/**
 * The message a burst's reply answers: its first message, unless that one was recalled (Lark refuses a
 * reply to a recalled message), then the first message still holding a file of the burst.
 */
export async function replyTargetOfBurst(db: Db, burstId: number): Promise<string | undefined> {
  const [row] = await queryRows<{ target: string }>(
    db,
    sql`select coalesce(
          (select b.first_message_id where not exists (select 1 from message_recalls r
             where r.message_id = b.first_message_id and r.chat_id = b.chat_id)),
          (select coalesce(m.forward_root_id, m.message_id) from materials m
             where m.burst_id = b.id and m.status <> 'recalled' order by m.sent_at, m.id limit 1),
          b.first_message_id) as target
        from bursts b where b.id = ${burstId}`,
  );
  return row?.target;
}

/** How many files of each kind the burst held, recalled ones included (a video's cover left out). */
export async function kindsOfBurst(
  db: Db,
  burstId: number,
  o: { recalledOnly?: boolean } = {},
): Promise<BurstCounts> {
  const rows = await queryRows<{ kind: string; n: number }>(
    db,
    sql`select kind, count(*)::int as n from materials
        where burst_id = ${burstId} and role <> 'cover'
          ${o.recalledOnly ? sql`and status = 'recalled'` : sql``} group by kind`,
  );
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}
