import { withoutUnstorable } from '../domain/storable-text.js';

/**
 * Text without the characters XML 1.0 forbids (C0 controls but tab/newline/CR, U+FFFE, U+FFFF,
 * unpaired surrogates). The XML writers and the Excel writers (an .xlsx is XML inside) both use it.
 */
export const xmlText = (value: string): string => withoutUnstorable(value);

/** A row for an exceljs sheet with every string value passed through `xmlText`. */
export const xmlSafeRow = <T extends object>(row: T): T =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' ? xmlText(v) : v])) as T;

/**
 * Any character `xmlEscape` changes: the five it escapes and every one `xmlText` may drop (all
 * surrogates, paired ones too, go the long way). Most values have none and are returned as they are.
 */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPING = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function xmlEscape(value: unknown): string {
  const text = String(value ?? '');
  if (!NEEDS_ESCAPING.test(text)) return text;
  return xmlText(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** `<name>value</name>`, or `<name/>` when empty. */
export function xmlElement(name: string, value: unknown, indent = ''): string {
  const text = value === null || value === undefined ? '' : xmlEscape(value);
  return text === '' ? `${indent}<${name}/>` : `${indent}<${name}>${text}</${name}>`;
}
