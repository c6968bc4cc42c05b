/**
 * Text every store and format can hold. PostgreSQL refuses U+0000 in `text` and `jsonb`; XML 1.0
 * (the 文件目录.XML and, inside the .xlsx, every sheet) refuses the other C0 controls except tab,
 * newline and carriage return, U+FFFE, U+FFFF and unpaired surrogates. At the boundary (an event
 * being recorded, a message being mapped, an error text being stored) each such character becomes
 * U+FFFD, the Unicode replacement character, so the record shows where something was replaced.
 */
export const REPLACEMENT_CHARACTER = '\ufffd';

const UNSTORABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text with every unstorable character replaced, and how many were. */
export function storableText(text: string): { text: string; replaced: number } {
  let replaced = 0;
  const out = text.replace(UNSTORABLE, () => {
    replaced++;
    return REPLACEMENT_CHARACTER;
  });
  return { text: out, replaced };
}

/** The text with every unstorable character dropped (the XML and Excel writers). */
export const withoutUnstorable = (text: string): string => text.replace(UNSTORABLE, '');

/** Just the text (error texts, names): see `storableText`. */
export const storable = (text: string): string => storableText(text).text;

/**
 * A JSON-like value with every string (keys included) made storable; `replaced` counts the
 * characters replaced. Values that need nothing are returned as they are.
 */
export function storableValue<T>(value: T): { value: T; replaced: number } {
  let replaced = 0;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      const r = storableText(v);
      replaced += r.replaced;
      return r.replaced ? r.text : v;
    }
    if (v === null || typeof v !== 'object' || depth > 64) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[walk(k, depth + 1) as string] = walk(x, depth + 1);
    return out;
  };
  const value2 = walk(value, 0) as T;
  return replaced ? { value: value2, replaced } : { value, replaced: 0 };
}

/**
 * A message's `content` (a JSON string, as Lark sends it) with every string inside made storable:
 * the escaped `\u0000` in the JSON text becomes a real NUL only once parsed.
 */
export function storableContent(content: string): { content: string; replaced: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    const r = storableText(content);
    return { content: r.text, replaced: r.replaced };
  }
  const r = storableValue(parsed);
  return r.replaced ? { content: JSON.stringify(r.value), replaced: r.replaced } : { content, replaced: 0 };
}
