import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { MaterialStatus } from '../schema/column-types.js';
import { forwardsBeingRead } from './bursts.js';

export interface BurstForFiling {
  id: number;
  chatId: string;
  senderOpenId: string;
  caption: string | null;
  /** Stored materials only, in the order they were sent. */
  materials: {
    id: number;
    kind: string;
    originalName: string | null;
    /** The type capture resolved; whether the archive refuses that format (filed, counted nowhere). */
    sniffedMime: string | null;
    formatRefused: boolean;
  }[];
  /** Materials of the burst that ended unsaved: failed, too large, empty, not downloadable. */
  notStored: number;
  /** Materials whose message was recalled (撤回): never filed. */
  recalled: number;
  /** Materials still downloading: each joins the burst's filing once stored (download-record.ts). */
  stillSaving: number;
  /** Merged forwards whose files are still being read: they join the burst once read. */
  forwardsReading: number;
}

/** A burst with the materials that can be filed. */
export async function loadBurstForFiling(db: Db, burstId: number): Promise<BurstForFiling | undefined> {
  const [burst] = await queryRows<{
    id: number | string;
    chat_id: string;
    sender_open_id: string;
    caption: string | null;
  }>(db, sql`select id, chat_id, sender_open_id, caption from bursts where id = ${burstId}`);
  if (!burst) return undefined;
  const materials = await queryRows<{
    id: number | string;
    kind: BurstForFiling['materials'][number]['kind'];
    original_name: string | null;
    status: MaterialStatus;
    sniffed_mime: string | null;
    format_refused: boolean;
  }>(
    db,
    // A video's cover image is kept with the video but is not material of its own: not filed, and
    // never counted towards a photo task.
    sql`select id, kind, original_name, status, sniffed_mime, format_refused is true as format_refused from materials
        where burst_id = ${burstId} and role is distinct from 'cover' order by sent_at, id`,
  );
  const stored = materials.filter((m) => m.status === 'stored');
  return {
    id: Number(burst.id),
    chatId: burst.chat_id,
    senderOpenId: burst.sender_open_id,
    caption: burst.caption,
    materials: stored.map((m) => ({
      id: Number(m.id),
      kind: m.kind,
      originalName: m.original_name,
      sniffedMime: m.sniffed_mime,
      formatRefused: !!m.format_refused,
    })),
    notStored: materials.filter((m) => !['stored', 'pending', 'recalled'].includes(m.status)).length,
    recalled: materials.filter((m) => m.status === 'recalled').length,
    stillSaving: materials.filter((m) => m.status === 'pending').length,
    forwardsReading: stored.length === 0 ? await forwardsBeingRead(db, Number(burst.id)) : 0,
  };
}

/**
 * The burst's files that sit in a live item, with that item and its task: files 并入 another item (the
 * burst's own item then ended) or 移出 into a new one. Such a file is never filed again from the burst
 * (fileBurst), so one file is never in two live items. Empty while the burst's own filing is live only
 * when that filing holds none of them.
 */
export async function burstFilesInLiveItems(
  db: Db,
  burstId: number,
): Promise<{ materialId: number; itemId: number; taskCode: string; taskTitle: string }[]> {
  const rows = await queryRows<{ material_id: number; item_id: number; code: string; title: string }>(
    db,
    sql`select fim.material_id::int as material_id, fi.id::int as item_id, t.code, t.title
        from materials m
          join filing_item_materials fim on fim.material_id = m.id
          join filing_items fi on fi.id = fim.item_id and fi.undone_at is null
          join tasks t on t.id = fi.task_id
        where m.burst_id = ${burstId}
        order by fi.id, fim.position`,
  );
  return rows.map((r) => ({
    materialId: Number(r.material_id),
    itemId: Number(r.item_id),
    taskCode: r.code,
    taskTitle: r.title,
  }));
}
