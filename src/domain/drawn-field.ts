import { createHash } from 'node:crypto';

/**
 * A form's field as it was drawn, carried in the submit button's value as a short mark (6 characters
 * of its hash; a blank field carries none) rather than the text, so the value stays small whatever
 * was saved. A card's form may be stale (drawn before the description was saved on the web page or on
 * another copy of the card), and Lark sends every input of a form: the submitted value is compared
 * with its mark to tell what the officer changed.
 */
export function drawnMark(value: string | null | undefined): string | undefined {
  const s = normalized(value);
  return s ? createHash('sha256').update(s).digest('base64url').slice(0, 6) : undefined;
}

/**
 * What a submitted field asks for: `undefined` leave it as stored (unchanged from what the form was
 * drawn with, e.g. left blank on a form drawn blank), `''` clear it (emptied in a form drawn with a
 * value), else the text to save.
 */
export function fieldChange(submitted: string | undefined, drawn: string | undefined): string | undefined {
  if (submitted === undefined) return undefined;
  const s = normalized(submitted);
  if (!s) return drawn ? '' : undefined;
  return drawn !== undefined && drawnMark(s) === drawn ? undefined : submitted;
}

const normalized = (v: string | null | undefined): string => (v ?? '').replace(/\s+/g, ' ').trim();
