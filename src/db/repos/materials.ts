import { DOWNLOAD_MATERIAL_JOB } from '../../domain/job-types.js';
import { sql, type SQL } from 'drizzle-orm';
import { storable } from '../../domain/storable-text.js';
import { queryRows, type Db, type Tx } from '../client.js';
import type { MaterialStatus } from '../schema/column-types.js';

export interface NewMaterial {
  messageId: string;
  resourceKey: string;
  resourceType: 'image' | 'file';
  downloadMessageId?: string;
  chatId: string;
  senderOpenId?: string;
  sentAt: Date;
  kind: string;
  role?: 'main' | 'cover';
  originalName?: string;
  declaredMime?: string;
  durationMs?: number;
  caption?: string;
  parentId?: string;
  rootId?: string;
  forwardRootId?: string;
  burstId?: number;
}

const valuesOf = (m: NewMaterial, now: Date, burstId: SQL = sql`${m.burstId ?? null}`) =>
  sql`(${m.messageId}, ${m.resourceKey}, ${m.resourceType}, ${m.downloadMessageId ?? null}, ${m.chatId},
      ${m.senderOpenId ?? null}, ${m.sentAt}, ${m.kind}, ${m.role ?? 'main'}, ${m.originalName === undefined ? null : storable(m.originalName)},
      ${m.declaredMime ?? null}, ${m.durationMs ?? null}, ${m.caption === undefined ? null : storable(m.caption)}, ${m.parentId ?? null},
      ${m.rootId ?? null}, ${m.forwardRootId ?? null}, ${burstId}, ${now})`;

const COLUMNS =
  sql.raw(`message_id, resource_key, resource_type, download_message_id, chat_id, sender_open_id,
  sent_at, kind, role, original_name, declared_mime, duration_ms, caption, parent_id, root_id, forward_root_id,
  burst_id, created_at`);

/** Inserts materials once per (message, resource); returns the ids of rows that are new. */
export async function insertMaterials(db: Db | Tx, rows: NewMaterial[], now: Date): Promise<number[]> {
  if (rows.length === 0) return [];
  const r = await queryRows<{ id: number }>(
    db,
    sql`insert into materials (${COLUMNS}) values ${sql.join(
      rows.map((m) => valuesOf(m, now)),
      sql`, `,
    )}
        on conflict (message_id, resource_key) do nothing
        returning id::int as id`,
  );
  return r.map((x) => Number(x.id));
}

/**
 * Inserts materials once per (message, resource) and, in the same statement, one `download-material`
 * job for each new one. Returns the ids of the new materials.
 */
export async function insertMaterialsWithDownloads(
  db: Db | Tx,
  rows: NewMaterial[],
  now: Date,
  maxAttempts = 8,
): Promise<number[]> {
  if (rows.length === 0) return [];
  const r = await queryRows<{ id: number }>(
    db,
    sql`with ${materialsWithDownloads(rows, now, maxAttempts)} select id from queued`,
  );
  return r.map((x) => Number(x.id)).sort((a, b) => a - b);
}

/**
 * The same in one statement with the burst they belong to: `burstWrite` (bursts.ts `burstPlacement`:
 * CTEs that update or insert the burst, the last, `burst`, with its id) runs as its first part and the
 * materials take its id. Returns the burst's id and the ids of the new materials.
 */
export async function insertMaterialsInBurst(
  tx: Tx,
  rows: NewMaterial[],
  burstWrite: SQL,
  now: Date,
  maxAttempts = 8,
): Promise<{ burstId: number; materialIds: number[] }> {
  const r = await queryRows<{ burst_id: number; id: number | null }>(
    tx,
    rows.length === 0
      ? sql`with ${burstWrite} select id::int as burst_id, null::int as id from burst`
      : sql`with ${burstWrite}, ${materialsWithDownloads(rows, now, maxAttempts, sql`(select id from burst)`)}
            select (select id::int from burst) as burst_id, queued.id from (select 1) one left join queued on true`,
  );
  return {
    burstId: Number(r[0]!.burst_id),
    materialIds: r
      .filter((x) => x.id != null)
      .map((x) => Number(x.id))
      .sort((a, b) => a - b),
  };
}

/**
 * The CTEs `fresh` (new materials) and `queued` (their download jobs: `id` is the material's). A material
 * of a message recalled before it arrived is inserted `recalled` (the insert trigger of migration 0019)
 * and gets no download.
 */
const materialsWithDownloads = (rows: NewMaterial[], now: Date, maxAttempts: number, burstId?: SQL) =>
  sql`fresh as (
          insert into materials (${COLUMNS}) values ${sql.join(
            rows.map((m) => valuesOf(m, now, burstId)),
            sql`, `,
          )}
          on conflict (message_id, resource_key) do nothing
          returning id, status),
        queued as (
          insert into jobs (kind, key, payload, run_at, max_attempts, created_at)
          select ${DOWNLOAD_MATERIAL_JOB.name}, fresh.id::text, jsonb_build_object('materialId', fresh.id), ${now},
            ${maxAttempts}, ${now}
          from fresh where fresh.status = 'pending' order by fresh.id
          on conflict (kind, key) do nothing
          returning key::int as id)`;

export interface BurstMaterial {
  id: number;
  kind: string;
  role: string;
  status: MaterialStatus;
  originalName: string | null;
  quality: string | null;
  sha256: string | null;
  duplicateOf: number | null;
  /**
   * An identical file came into this same chat before, or is already filed for the chat's unit (sent
   * in another of its chats, then forwarded here): a repeat the sender may not have meant, which its
   * task does not count twice. One first sent to the bot directly and then to the group, as it asks, is not.
   * In a direct chat: the same person sent it before anywhere (a group's file forwarded back to the bot,
   * which the direct chat's answer would otherwise ask to forward to the group a second time).
   */
  knownRepeat: boolean;
  /**
   * In a direct chat: the same person sent an identical file before to a work group (a chat bound to a
   * unit), where its card offers the tasks. Only then is forwarding it to the group again needless; a
   * file sent to the bot twice and never to a group is still to be handed in there.
   */
  inWorkGroup: boolean;
  sizeBytes: number | null;
  /** Inside a merged forward (its message is the forward's child). */
  forwarded?: boolean;
  /** The type capture resolved; and whether the archive refuses that format (counted towards no task). */
  sniffedMime?: string | null;
  formatRefused?: boolean;
}

/** The burst's materials as its card shows them: a recalled one is left out (it is not the burst's any more). */
export function materialsOfBurst(db: Db | Tx, burstId: number): Promise<BurstMaterial[]> {
  return materialsWhere(db, sql`m.burst_id = ${burstId}`);
}

/**
 * The files an item holds now, as a card shows them (materialsOfBurst's shape): after 移出 / 并入 they
 * are no longer its burst's files.
 */
export function materialsOfItem(db: Db | Tx, itemId: number): Promise<BurstMaterial[]> {
  return materialsWhere(
    db,
    sql`m.id in (select material_id from filing_item_materials where item_id = ${itemId})`,
  );
}

async function materialsWhere(db: Db | Tx, where: SQL): Promise<BurstMaterial[]> {
  const rows = await queryRows<{
    id: number;
    kind: string;
    role: string;
    status: MaterialStatus;
    original_name: string | null;
    quality: string | null;
    sha256: string | null;
    duplicate_of: number | null;
    size_bytes: number | null;
    forwarded: boolean;
    known_repeat: boolean;
    in_work_group: boolean;
    sniffed_mime: string | null;
    format_refused: boolean;
  }>(
    db,
    sql`select m.id::int as id, m.kind, m.role, m.status, m.original_name, m.quality, m.sha256,
          m.sniffed_mime, m.format_refused is true as format_refused,
          m.duplicate_of::int as duplicate_of, m.size_bytes::float8 as size_bytes,
          m.forward_root_id is not null as forwarded,
          m.duplicate_of is not null and (exists (select 1 from materials o where o.sha256 = m.sha256
            and o.chat_id = m.chat_id and o.id < m.id and o.status <> 'recalled')
          or exists (select 1 from materials o
            join filing_item_materials x on x.material_id = o.id
            join filing_items fi on fi.id = x.item_id and fi.undone_at is null
            join chat_bindings cb on cb.unit_id = fi.unit_id and cb.chat_id = m.chat_id and cb.status = 'active'
            where o.sha256 = m.sha256 and o.id < m.id and o.status <> 'recalled')
          or (exists (select 1 from chats c where c.chat_id = m.chat_id and c.chat_type = 'p2p')
            and exists (select 1 from materials o where o.sha256 = m.sha256
              and o.sender_open_id = m.sender_open_id and o.id < m.id and o.status <> 'recalled'))) as known_repeat,
          m.duplicate_of is not null
            and exists (select 1 from chats c where c.chat_id = m.chat_id and c.chat_type = 'p2p')
            and exists (select 1 from materials o
              join chat_bindings cb on cb.chat_id = o.chat_id and cb.status = 'active'
              where o.sha256 = m.sha256 and o.sender_open_id = m.sender_open_id and o.id < m.id
                and o.status <> 'recalled') as in_work_group
        from materials m where ${where} and m.status <> 'recalled' order by m.sent_at, m.id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    role: r.role,
    status: r.status,
    originalName: r.original_name,
    quality: r.quality,
    sha256: r.sha256,
    duplicateOf: r.duplicate_of == null ? null : Number(r.duplicate_of),
    knownRepeat: !!r.known_repeat,
    inWorkGroup: !!r.in_work_group,
    sizeBytes: r.size_bytes == null ? null : Number(r.size_bytes),
    forwarded: !!r.forwarded,
    sniffedMime: r.sniffed_mime,
    formatRefused: !!r.format_refused,
  }));
}

/** A material with what its unsaved notice needs: how it ended and the message its burst answers. */
export async function materialForNotice(
  db: Db,
  id: number,
): Promise<
  | {
      kind: string;
      status: MaterialStatus;
      originalName: string | null;
      sizeBytes: number | null;
      forwarded: boolean;
      replyTo: string;
    }
  | undefined
> {
  const [r] = await queryRows<{
    kind: string;
    status: MaterialStatus;
    original_name: string | null;
    size_bytes: number | null;
    forwarded: boolean;
    reply_to: string;
  }>(
    db,
    sql`select m.kind, m.status, m.original_name, m.size_bytes::float8 as size_bytes,
          m.forward_root_id is not null as forwarded, b.first_message_id as reply_to
        from materials m join bursts b on b.id = m.burst_id where m.id = ${id}`,
  );
  return r
    ? {
        kind: r.kind,
        status: r.status,
        originalName: r.original_name,
        sizeBytes: r.size_bytes == null ? null : Number(r.size_bytes),
        forwarded: !!r.forwarded,
        replyTo: r.reply_to,
      }
    : undefined;
}
