import { loadFileType } from '../media/load-on-first-use.js';
import { sniffType } from '../media/sniff-type.js';

export interface SniffedFile {
  /** Resolved type, as capture resolves it (bytes, else declared, else name). */
  mime: string;
  source: 'bytes' | 'declared' | 'name' | 'unknown';
  /** What the magic bytes alone say (undefined: no known signature). */
  bytesMime?: string;
}

/** Formats whose signature in the first bytes is conclusive: no need to open the file again. */
const DECISIVE = new Set([
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/tiff',
  'image/gif',
  'image/webp',
  'image/bmp',
]);

/**
 * The type of a stored or copied file, the way capture sniffed it (sniffType), but from the bytes
 * already read (`head`) when their signature is conclusive; other files (or no `head`: capture's fresh
 * download) are sniffed from disk.
 */
export async function sniffFile(
  path: string,
  head: Uint8Array | undefined,
  hints: { declaredMime?: string | null; fileName?: string | null },
): Promise<SniffedFile> {
  const { fileTypeFromBuffer, fileTypeFromFile } = await loadFileType();
  const quick = head ? await fileTypeFromBuffer(head).catch(() => undefined) : undefined;
  if (quick && DECISIVE.has(quick.mime)) return { mime: quick.mime, source: 'bytes', bytesMime: quick.mime };
  const s = await sniffType(path, hints);
  if (s.source === 'bytes') return { mime: s.mime, source: s.source, bytesMime: s.mime };
  const raw = await fileTypeFromFile(path).catch(() => undefined);
  return { mime: s.mime, source: s.source, ...(raw ? { bytesMime: raw.mime } : {}) };
}
