import { sniffFile } from '../archive/sniff-file.js';
import { formatVerdict } from '../domain/format-verdict.js';
import { inspectPhoto, type PhotoInfo } from '../media/inspect-photo.js';
import type { MaterialRow } from './download-record.js';

export interface InspectedDownload {
  sniffedMime: string;
  /** What the magic bytes alone say (undefined: no known signature). */
  bytesMime?: string;
  /**
   * The archive refuses this format (formatVerdict against archive.yaml allowedFormats, as the 四性 check
   * judges it); undefined when not judged (no allow-list given, a video's cover).
   */
  formatRefused?: boolean;
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
  m: Pick<MaterialRow, 'kind' | 'role' | 'declaredMime' | 'originalName'>,
  said: { contentType?: string; fileName?: string },
  o: { timeZone: string; allowedFormats?: readonly string[] },
): Promise<InspectedDownload> {
  // Sniffed as the 四性 check sniffs it (sniff-file.ts), so both judge its format alike.
  const sniffed = await sniffFile(path, undefined, {
    declaredMime: m.declaredMime ?? said.contentType ?? null,
    fileName: m.originalName ?? said.fileName ?? null,
  });
  const identified = {
    sniffedMime: sniffed.mime,
    ...(sniffed.bytesMime ? { bytesMime: sniffed.bytesMime } : {}),
    ...(o.allowedFormats && m.role !== 'cover'
      ? { formatRefused: formatVerdict(sniffed, o.allowedFormats).verdict === 'refused' }
      : {}),
  };
  if (m.kind !== 'photo' || !sniffed.mime.startsWith('image/')) return { ...identified, thumbnail: false };
  return { ...identified, photo: await inspectPhoto(path, { timeZone: o.timeZone }), thumbnail: true };
}
