import { fileTypeFromFile } from 'file-type';
import { kindOfMime, mimeOfFileName, type MaterialKind } from '../domain/material-kind.js';

export interface SniffedType {
  /** Best MIME type: from the bytes, else declared, else from the name, else octet-stream. */
  mime: string;
  /** Where `mime` came from. */
  source: 'bytes' | 'declared' | 'name' | 'unknown';
  kind: MaterialKind;
}

/** Containers file-type reports for formats it cannot tell apart (legacy Office, OOXML it missed, OFD). */
const GENERIC = new Set(['application/x-cfb', 'application/zip', 'application/xml', 'text/xml']);

/**
 * What the stored bytes really are (magic numbers on the first bytes, via file-type), falling back
 * to the declared type or the file name for text and the generic containers file-type cannot
 * resolve (a .doc is "x-cfb", an .ofd is "zip").
 */
export async function sniffType(
  path: string,
  hints: { declaredMime?: string | null; fileName?: string | null } = {},
): Promise<SniffedType> {
  const detected = await fileTypeFromFile(path).catch(() => undefined);
  const declared =
    hints.declaredMime && hints.declaredMime !== 'application/octet-stream' ? hints.declaredMime : undefined;
  const byName = mimeOfFileName(hints.fileName ?? undefined);
  if (detected && !(GENERIC.has(detected.mime) && (declared ?? byName))) {
    return { mime: detected.mime, source: 'bytes', kind: kindOfMime(detected.mime) };
  }
  if (declared) return { mime: declared, source: 'declared', kind: kindOfMime(declared) };
  if (byName) return { mime: byName, source: 'name', kind: kindOfMime(byName) };
  const mime = detected?.mime ?? 'application/octet-stream';
  return { mime, source: detected ? 'bytes' : 'unknown', kind: kindOfMime(mime) };
}
