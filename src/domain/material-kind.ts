/** What a captured resource is, for filing and for the archive catalogue. */
export type MaterialKind = 'photo' | 'document' | 'audio' | 'video';

const PHOTO = [
  'jpg',
  'jpeg',
  'jpe',
  'png',
  'heic',
  'heif',
  'hif',
  'tif',
  'tiff',
  'webp',
  'bmp',
  'gif',
  'avif',
];
const RAW_PHOTO = ['dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'rw2', 'raf'];
const AUDIO = ['mp3', 'm4a', 'aac', 'wav', 'amr', 'opus', 'ogg', 'oga', 'flac', 'wma', 'silk'];
const VIDEO = ['mp4', 'mov', 'm4v', 'avi', 'mkv', '3gp', 'wmv', 'flv', 'webm', 'mpg', 'mpeg', 'mts'];

const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
  heif: 'image/heif',
  hif: 'image/heif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  webp: 'image/webp',
  bmp: 'image/bmp',
  gif: 'image/gif',
  avif: 'image/avif',
  dng: 'image/x-adobe-dng',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  wav: 'audio/wav',
  amr: 'audio/amr',
  opus: 'audio/opus',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  m4v: 'video/x-m4v',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
  '3gp': 'video/3gpp',
  webm: 'video/webm',
  pdf: 'application/pdf',
  ofd: 'application/ofd',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  wps: 'application/vnd.ms-works',
  et: 'application/vnd.ms-excel',
  txt: 'text/plain',
  csv: 'text/csv',
  rtf: 'application/rtf',
  zip: 'application/zip',
  rar: 'application/vnd.rar',
  '7z': 'application/x-7z-compressed',
};

/** Lower-case extension without the dot ('' when none): `a.B.JPG` → `jpg`. */
export function extensionOf(fileName: string | undefined): string {
  if (!fileName) return '';
  const base = fileName.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 && dot < base.length - 1 ? base.slice(dot + 1).toLowerCase() : '';
}

/** MIME type implied by a file name's extension, if we know it. */
export function mimeOfFileName(fileName: string | undefined): string | undefined {
  return MIME_BY_EXT[extensionOf(fileName)];
}

/**
 * Kind of a resource sent as a `file`: by extension first, then by a declared MIME type. Photos sent
 * as files (jpg/png/heic/tif …) stay photos: they are the originals, with EXIF.
 */
export function kindOfFile(fileName: string | undefined, declaredMime?: string): MaterialKind {
  const ext = extensionOf(fileName);
  if (PHOTO.includes(ext) || RAW_PHOTO.includes(ext)) return 'photo';
  if (AUDIO.includes(ext)) return 'audio';
  if (VIDEO.includes(ext)) return 'video';
  if (ext) return 'document';
  return declaredMime ? kindOfMime(declaredMime) : 'document';
}

/** Kind implied by a MIME type (sniffed or declared). */
export function kindOfMime(mime: string): MaterialKind {
  const m = mime.toLowerCase();
  if (m.startsWith('image/')) return 'photo';
  if (m.startsWith('audio/')) return 'audio';
  if (m.startsWith('video/')) return 'video';
  return 'document';
}
