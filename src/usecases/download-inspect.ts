import { inspectPhoto, type PhotoInfo } from '../media/inspect-photo.js';
import { makeThumbnail } from '../media/make-thumbnail.js';
import { sniffType } from '../media/sniff-type.js';
import { thumbnailKeyOf, type BlobStore, type CommittedBlob } from '../ports/blob-store.js';
import { withBlobFile } from './blob-file.js';
import type { MaterialRow } from './download-record.js';

export interface InspectedDownload {
  sniffedMime: string;
  photo?: PhotoInfo;
  thumbnailKey?: string;
}

/**
 * What a freshly stored blob is: its real type from the bytes; for photos also EXIF facts and a
 * thumbnail (made once per hash). Never fails the download: unreadable images just lack the extras.
 * Reads through the port (a temp copy when the store is not on this machine).
 */
export async function inspectDownload(
  blobs: BlobStore,
  m: Pick<MaterialRow, 'kind' | 'declaredMime' | 'originalName'>,
  result: { blob: CommittedBlob; contentType?: string; fileName?: string },
  timeZone: string,
): Promise<InspectedDownload> {
  return withBlobFile(blobs, result.blob.storageKey, async (path) => {
    const sniffed = await sniffType(path, {
      declaredMime: m.declaredMime ?? result.contentType ?? null,
      fileName: m.originalName ?? result.fileName ?? null,
    });
    if (m.kind !== 'photo' || !sniffed.mime.startsWith('image/')) return { sniffedMime: sniffed.mime };
    const photo = await inspectPhoto(path, { timeZone });
    const key = thumbnailKeyOf(result.blob.sha256);
    if (await blobs.exists(key)) return { sniffedMime: sniffed.mime, photo, thumbnailKey: key };
    const thumb = await makeThumbnail(path);
    // A missing thumbnail (undecodable image, or no room for it) must not lose the original.
    const stored =
      thumb &&
      (await blobs.putDerived(key, thumb).then(
        () => true,
        () => false,
      ));
    return stored
      ? { sniffedMime: sniffed.mime, photo, thumbnailKey: key }
      : { sniffedMime: sniffed.mime, photo };
  });
}
