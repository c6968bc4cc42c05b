import { withoutUnstorable } from '../domain/storable-text.js';

/**
 * Text without the characters XML 1.0 forbids (C0 controls but tab/newline/CR, U+FFFE, U+FFFF,
 * unpaired surrogates). The XML writers and the Excel writers (an .xlsx is XML inside) both use it.
 */
export const xmlText = (value: string): string => withoutUnstorable(value);

/** A row for an exceljs sheet with every string value passed through `xmlText`. */
export const xmlSafeRow = <T extends object>(row: T): T =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' ? xmlText(v) : v])) as T;

/** Escapes text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function xmlEscape(value: unknown): string {
  return xmlText(String(value ?? ''))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<name>value</name>`, or `<name/>` when empty. */
export function xmlElement(name: string, value: unknown, indent = ''): string {
  const text = value === null || value === undefined ? '' : xmlEscape(value);
  return text === '' ? `${indent}<${name}/>` : `${indent}<${name}>${text}</${name}>`;
}
