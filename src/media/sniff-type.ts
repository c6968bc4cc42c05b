import { open } from 'node:fs/promises';
import { kindOfMime, mimeOfFileName, type MaterialKind } from '../domain/material-kind.js';
import { loadFileType } from './load-on-first-use.js';

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
  const { fileTypeFromFile, supportedMimeTypes } = await loadFileType();
  const detected = await fileTypeFromFile(path).catch(() => undefined);
  const declared =
    hints.declaredMime && hints.declaredMime !== 'application/octet-stream' ? hints.declaredMime : undefined;
  const byName = mimeOfFileName(hints.fileName ?? undefined);
  if (detected && !(GENERIC.has(detected.mime) && (declared ?? byName))) {
    return { mime: detected.mime, source: 'bytes', kind: kindOfMime(detected.mime) };
  }
  // A claim of a format with magic numbers (PDF, JPEG, MP4 …) that the bytes do not carry is false:
  // an HTML page named .pdf is text/html, whatever its name or declared type say.
  const claim = declared ?? byName;
  if (!detected && claim && supportedMimeTypes.has(claim as never)) {
    const mime = await textMime(path);
    return {
      mime,
      source: mime === 'application/octet-stream' ? 'unknown' : 'bytes',
      kind: kindOfMime(mime),
    };
  }
  if (declared) return { mime: declared, source: 'declared', kind: kindOfMime(declared) };
  if (byName) return { mime: byName, source: 'name', kind: kindOfMime(byName) };
  const mime = detected?.mime ?? 'application/octet-stream';
  return { mime, source: detected ? 'bytes' : 'unknown', kind: kindOfMime(mime) };
}

/** text/html or text/plain from the first bytes (no NUL, markup), else octet-stream. */
async function textMime(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (bytesRead === 0 || head.includes(0)) return 'application/octet-stream';
    const text = head
      .toString('utf8')
      .replace(/^\ufeff/, '')
      .trimStart()
      .toLowerCase();
    if (/^<(!doctype html|html|head|body|script|meta|title)\b/.test(text)) return 'text/html';
    return 'text/plain';
  } finally {
    await fh.close();
  }
}
