import { and, eq, isNull, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { materials } from '../db/schema/materials.js';
import { makeThumbnail } from '../media/make-thumbnail.js';
import { thumbnailKeyOf, type BlobStore } from '../ports/blob-store.js';
import { withBlobFile } from './blob-file.js';

/**
 * The make-thumbnail job: a stored photo's small JPEG preview (`thumbs/<sha256>.jpg`, made once per
 * hash: a duplicate takes the one a material with the same bytes points at, without asking the
 * store), then the material points at it. An image sharp cannot or should
 * not decode gets none (the original is what counts). A store that is down or full makes the job wait
 * like a download (a ResourceUnavailableError); a material not stored, or thumbnailed already, is left.
 */
export async function makeMaterialThumbnail(
  deps: { db: Db; blobs: BlobStore },
  materialId: number,
): Promise<'made' | 'found' | 'none' | 'skipped'> {
  const [m] = await queryRows<{
    status: string;
    sha256: string | null;
    storage_key: string | null;
    thumbnail_key: string | null;
    known: string | null;
  }>(
    deps.db,
    sql`select m.status, m.sha256, m.storage_key, m.thumbnail_key,
          (select t.thumbnail_key from materials t
            where t.sha256 = m.sha256 and t.thumbnail_key is not null limit 1) as known
        from materials m where m.id = ${materialId}`,
  );
  if (!m || m.status !== 'stored' || !m.sha256 || !m.storage_key || m.thumbnail_key) return 'skipped';
  const key = thumbnailKeyOf(m.sha256);
  let outcome: 'made' | 'found' = 'found';
  if (m.known !== key) {
    const thumb = await withBlobFile(deps.blobs, m.storage_key, (path) => makeThumbnail(path));
    if (!thumb) return 'none';
    await deps.blobs.putDerived(key, thumb);
    outcome = 'made';
  }
  await deps.db
    .update(materials)
    .set({ thumbnailKey: key })
    .where(and(eq(materials.id, materialId), isNull(materials.thumbnailKey)));
  return outcome;
}
