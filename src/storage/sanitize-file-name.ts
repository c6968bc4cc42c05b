const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
/** Extensions longer than this are treated as part of the name (not worth keeping whole). */
const MAX_EXT_BYTES = 16;

/**
 * Makes an original file name (from chat, untrusted) safe to use as one path segment on Linux,
 * macOS and Windows: no separators, `..`, control or reserved characters, no reserved device names,
 * no leading dots or trailing dots/spaces; Chinese and other letters are kept. Truncated to
 * `maxBytes` of UTF-8 keeping the extension. Empty results become `file`.
 */
export function sanitizeFileName(name: string, maxBytes = 200): string {
  let s = (name ?? '').normalize('NFC');
  s = s.replace(/[/\\]/g, '_');
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*]/g, '_');
  s = s.replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '');
  s = s.replace(/\.{2,}/g, '');
  s = s.replace(/^[\s._]+/, '').replace(/[\s.]+$/, '');
  s = s.replace(/_{2,}/g, '_');
  if (!s) return 'file';
  const dot = s.lastIndexOf('.');
  let base = dot > 0 ? s.slice(0, dot) : s;
  let ext = dot > 0 ? s.slice(dot) : '';
  if (utf8Length(ext) > MAX_EXT_BYTES) {
    base = s;
    ext = '';
  }
  if (RESERVED.test((base.split('.')[0] ?? '').trim())) base = `_${base}`;
  const budget = Math.max(1, maxBytes - utf8Length(ext));
  base = truncateUtf8(base, budget).replace(/[\s.]+$/, '') || 'file';
  return truncateUtf8(base + ext, maxBytes);
}

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/** The longest prefix of whole code points that fits in `maxBytes` of UTF-8. */
function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}
