import { inspectPhoto, type PhotoInfo } from '../media/inspect-photo.js';
import { sniffType } from '../media/sniff-type.js';
import type { MaterialRow } from './download-record.js';

export interface InspectedDownload {
  sniffedMime: string;
  photo?: PhotoInfo;
  /** A photo in an image format: its thumbnail is made by a job queued with the stored row. */
  thumbnail: boolean;
}

/**
 * What a freshly downloaded file is: its real type from the bytes; for photos also EXIF facts. Runs
 * on the writer's finished local file before it is committed (never on a copy read back from the
 * store). The thumbnail is not made here: it waits for a job of its own behind the downloads
 * (usecases/make-material-thumbnail.ts), so storing a photo never waits for it. Never fails the
 * download: unreadable images just lack the extras.
 */
export async function inspectDownloadedFile(
  path: string,
  m: Pick<MaterialRow, 'kind' | 'declaredMime' | 'originalName'>,
  said: { contentType?: string; fileName?: string },
  timeZone: string,
): Promise<InspectedDownload> {
  const sniffed = await sniffType(path, {
    declaredMime: m.declaredMime ?? said.contentType ?? null,
    fileName: m.originalName ?? said.fileName ?? null,
  });
  if (m.kind !== 'photo' || !sniffed.mime.startsWith('image/'))
    return { sniffedMime: sniffed.mime, thumbnail: false };
  return { sniffedMime: sniffed.mime, photo: await inspectPhoto(path, { timeZone }), thumbnail: true };
}
