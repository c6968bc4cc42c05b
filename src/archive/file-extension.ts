import { extensionOf } from '../domain/material-kind.js';

const EXT_BY_MIME: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/tiff': 'tif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'application/pdf': 'pdf',
  'application/ofd': 'ofd',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/mp4': 'm4a',
  'audio/ogg': 'ogg',
  'audio/ogg; codecs=opus': 'opus',
  'audio/opus': 'opus',
  'audio/amr': 'amr',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'text/plain': 'txt',
};

/** Extension for a packaged file: from its real type, else its original name, else `bin`. */
export function fileExtensionOf(
  mime: string | null | undefined,
  originalName: string | null | undefined,
): string {
  const byMime = mime ? EXT_BY_MIME[mime] : undefined;
  if (byMime) return byMime;
  const ext = extensionOf(originalName ?? undefined);
  return /^[a-z0-9]{1,8}$/.test(ext) ? ext : 'bin';
}
