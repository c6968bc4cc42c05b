import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import type { MaterialStatus } from '../db/schema/column-types.js';
import { blobs, materials } from '../db/schema/materials.js';
import { errorMessage } from '../errors.js';
import type { CommittedBlob } from '../ports/blob-store.js';
import { storable } from '../domain/storable-text.js';
import { MAKE_THUMBNAIL_JOB, REACT_STORED_JOB, UNSAVED_NOTICE_JOB } from '../domain/job-types.js';
import { enqueueJob, enqueueJobs, type NewJob } from '../db/repos/jobs.js';
import { insertAudit } from '../db/repos/audit.js';
import { joinLiveFiling } from '../db/repos/filings.js';
import type { PhotoInfo } from '../media/inspect-photo.js';

export type MaterialRow = typeof materials.$inferSelect;

/** Outcomes a download can end in; `pending` and `failed` can be tried (again). */
export type { MaterialStatus } from '../db/schema/column-types.js';
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  'stored',
  'needs_reupload',
  'too_large',
  'empty',
  // Its message was recalled (撤回): a download still queued or retried does not run.
  'recalled',
]);

async function loadMaterial(db: Db, id: number): Promise<MaterialRow | undefined> {
  const [row] = await db.select().from(materials).where(eq(materials.id, id));
  return row;
}

/**
 * Counts an attempt before it starts (a crash mid-download still counts) and returns the row, in one
 * statement; a material in a final state is returned unchanged.
 */
export async function startAttempt(db: Db, id: number): Promise<MaterialRow | undefined> {
  const [row] = await db
    .update(materials)
    .set({ attempts: sql`${materials.attempts} + 1` })
    .where(and(eq(materials.id, id), inArray(materials.status, ['pending', 'failed'])))
    .returning();
  return row ?? (await loadMaterial(db, id));
}

/** An attempt that could not run (disk low, store unwritable, database gone) is not counted. */
export async function giveBackAttempt(db: Db, id: number): Promise<void> {
  await db
    .update(materials)
    .set({ attempts: sql`greatest(${materials.attempts} - 1, 0)` })
    .where(and(eq(materials.id, id), inArray(materials.status, ['pending', 'failed'])));
}

/** Ends a material without bytes (too_large, empty, needs_reupload). */
export async function recordUnstored(
  db: Db,
  id: number,
  status: 'too_large' | 'empty' | 'needs_reupload',
  detail: { sizeBytes?: number; lastError?: string },
  now: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    const changed = await tx
      .update(materials)
      .set({
        status,
        ...(detail.sizeBytes !== undefined ? { sizeBytes: detail.sizeBytes } : {}),
        lastError: detail.lastError === undefined ? null : storable(detail.lastError),
      })
      .where(and(eq(materials.id, id), inArray(materials.status, ['pending', 'failed'])))
      .returning({ id: materials.id });
    if (changed.length > 0) await noticeIfAnswered(tx, id, now);
  });
}

/**
 * A file that ends unsaved after its burst's reply went out (the reply does not wait for slow
 * downloads) gets its own short notice, so the sender knows to send it again. The burst's row is locked:
 * the reply claims it before reading its files, so no unsaved file goes untold: it is in the
 * reply or in a notice.
 */
async function noticeIfAnswered(tx: Db, materialId: number, now: Date): Promise<void> {
  const [row] = await queryRows<{ answered: boolean }>(
    tx,
    sql`select b.ack_claimed_at is not null as answered from materials m join bursts b on b.id = m.burst_id
        where m.id = ${materialId} and m.role is distinct from 'cover' for update of b`,
  );
  if (row?.answered)
    await enqueueJob(
      tx,
      { type: UNSAVED_NOTICE_JOB, key: String(materialId), payload: { materialId }, runAt: now },
      now,
    );
}

export interface StoredFacts {
  blob: CommittedBlob;
  sniffedMime: string;
  /** What the magic bytes alone say; and whether the archive refuses the format (download-inspect.ts). */
  bytesMime?: string;
  formatRefused?: boolean;
  photo?: PhotoInfo;
  /** Queue the make-thumbnail job with the stored row (a photo in an image format). */
  thumbnail?: boolean;
  now: Date;
  /** The reaction (emoji key) the message gets once its file is stored, if any. */
  reaction?: string;
  /** Marks the download's job done in this transaction (the worker then does not finish it again). */
  finishIn?: (tx: Db) => Promise<void>;
}

/**
 * Records a stored material and its blob in one transaction. Same bytes seen before: the material
 * points at the first material that holds them (`duplicate_of`, never at another duplicate). The blob
 * row decides who is first: a concurrent storer of the same bytes waits on its key until the first
 * transaction commits, and then sees that material stored.
 */
export async function recordStored(
  db: Db,
  id: number,
  f: StoredFacts,
): Promise<{ duplicateOf?: number; recalled?: boolean }> {
  const { blob, photo } = f;
  return db.transaction(async (tx) => {
    await tx
      .insert(blobs)
      .values({
        sha256: blob.sha256,
        sizeBytes: blob.sizeBytes,
        sniffedMime: f.sniffedMime,
        storageKey: blob.storageKey,
        storedAt: f.now,
      })
      .onConflictDoNothing();
    const [row] = await tx
      .update(materials)
      .set({
        // Recalled while downloading: it stays recalled (the bytes are recorded, so the file in the
        // content-addressed store has its material, but nothing files, shows or counts it).
        status: sql<MaterialStatus>`case when ${materials.status} = 'recalled' then 'recalled' else 'stored' end`,
        sha256: blob.sha256,
        storageKey: blob.storageKey,
        sizeBytes: blob.sizeBytes,
        sniffedMime: f.sniffedMime,
        bytesMime: f.bytesMime ?? null,
        formatRefused: f.formatRefused ?? null,
        duplicateOf: sql`(select coalesce(first.duplicate_of, first.id) from materials first
          where first.sha256 = ${blob.sha256} and first.id <> ${id} and first.status = 'stored'
          order by first.id limit 1)`,
        takenAt: photo?.takenAt ?? null,
        gpsLat: photo?.gpsLat ?? null,
        gpsLng: photo?.gpsLng ?? null,
        cameraMake: photo?.cameraMake ?? null,
        cameraModel: photo?.cameraModel ?? null,
        width: photo?.width ?? null,
        height: photo?.height ?? null,
        // A video's cover is Lark's poster image (small, no EXIF): judged as a photo it was always
        // 「压缩」, and every video added a 压缩照片 to the digest and the unit page. A recalled one
        // is not counted at all (message-recalls.ts clears it too).
        quality: photo?.quality
          ? sql<string>`case when ${materials.role} = 'cover' or ${materials.status} = 'recalled' then null
              else ${photo.quality} end`
          : null,
        lastError: null,
        storedAt: f.now,
      })
      .where(and(eq(materials.id, id), ne(materials.status, 'stored')))
      .returning({
        duplicateOf: materials.duplicateOf,
        messageId: materials.messageId,
        forwardRootId: materials.forwardRootId,
        burstId: materials.burstId,
        kind: materials.kind,
        role: materials.role,
        status: materials.status,
      });
    if (row?.status === 'recalled') {
      await f.finishIn?.(tx);
      return { recalled: true };
    }
    // Filed while this file was still downloading: it joins the item now, in this transaction.
    if (row?.burstId != null && row.role !== 'cover') {
      const joined = await joinLiveFiling(tx, { materialId: id, burstId: row.burstId, kind: row.kind });
      if (joined)
        await insertAudit(tx, {
          at: f.now,
          actor: 'bot',
          action: 'join_late',
          source: 'chat',
          unitId: joined.unitId,
          taskId: joined.taskId,
          itemId: joined.itemId,
          burstId: row.burstId,
          chatId: joined.chatId,
          details: { materialId: id },
        });
    }
    // Queued with the stored row, in one statement: the thumbnail (behind the downloads), and the
    // quick acknowledgment, which runs after the file is safe; whatever happens to it (Lark refusing,
    // a crash) the material stays stored.
    const follow: NewJob<unknown>[] = [];
    if (row && f.thumbnail)
      follow.push({ type: MAKE_THUMBNAIL_JOB, key: String(id), payload: { materialId: id }, runAt: f.now });
    if (row && f.reaction) {
      const messageId = row.forwardRootId ?? row.messageId;
      follow.push({
        type: REACT_STORED_JOB,
        key: messageId,
        payload: { messageId, emojiType: f.reaction },
        runAt: f.now,
        maxAttempts: 3,
      });
    }
    await enqueueJobs(tx, follow, f.now);
    await f.finishIn?.(tx);
    return row?.duplicateOf != null ? { duplicateOf: Number(row.duplicateOf) } : {};
  });
}

/**
 * Called by the job runner after the last attempt failed: the material becomes `failed` with the
 * error, unless it reached a final state meanwhile; told on its own when the burst was answered already.
 */
export async function markDownloadFailed(
  db: Db,
  materialId: number,
  error: unknown,
  now: Date,
): Promise<void> {
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = storable(`${typeof code === 'string' ? `${code}: ` : ''}${errorMessage(error)}`).slice(
    0,
    1000,
  );
  await db.transaction(async (tx) => {
    const changed = await tx
      .update(materials)
      .set({ status: 'failed', lastError: text })
      .where(and(eq(materials.id, materialId), eq(materials.status, 'pending')))
      .returning({ id: materials.id });
    if (changed.length > 0) await noticeIfAnswered(tx, materialId, now);
  });
}
