import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { materials } from '../db/schema/materials.js';
import { makeThumbnail } from '../media/make-thumbnail.js';
import { thumbnailKeyOf, type BlobStore } from '../ports/blob-store.js';
import { withBlobFile } from './blob-file.js';

/**
 * The make-thumbnail job: a stored photo's small JPEG preview (`thumbs/<sha256>.jpg`, made once per
 * hash: a duplicate finds it there), then the material points at it. An image sharp cannot or should
 * not decode gets none (the original is what counts). A store that is down or full makes the job wait
 * like a download (a ResourceUnavailableError); a material not stored, or thumbnailed already, is left.
 */
export async function makeMaterialThumbnail(
  deps: { db: Db; blobs: BlobStore },
  materialId: number,
): Promise<'made' | 'found' | 'none' | 'skipped'> {
  const [m] = await deps.db
    .select({
      status: materials.status,
      sha256: materials.sha256,
      storageKey: materials.storageKey,
      thumbnailKey: materials.thumbnailKey,
    })
    .from(materials)
    .where(eq(materials.id, materialId));
  if (!m || m.status !== 'stored' || !m.sha256 || !m.storageKey || m.thumbnailKey) return 'skipped';
  const key = thumbnailKeyOf(m.sha256);
  let outcome: 'made' | 'found' = 'found';
  if (!(await deps.blobs.exists(key))) {
    const thumb = await withBlobFile(deps.blobs, m.storageKey, (path) => makeThumbnail(path));
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
