import type { ButtonValue } from '../domain/card-action-type.js';
import { plainDate } from '../domain/plain-date.js';
/** Small builders for Lark card JSON 2.0 (schema 2.0 rejects unknown fields, so keep to these). */

export type Template = 'blue' | 'green' | 'orange' | 'red' | 'grey' | 'turquoise' | 'indigo' | 'wathet';

export function card(
  title: string,
  template: Template,
  elements: object[],
  opts: { subtitle?: string; summary?: string } = {},
): object {
  return {
    schema: '2.0',
    // The summary is what a notification shows: say what the card is about, not only its title.
    config: {
      update_multi: true,
      width_mode: 'fill',
      summary: { content: (opts.summary ?? title).slice(0, 100) },
    },
    header: {
      template,
      title: { tag: 'plain_text', content: title },
      ...(opts.subtitle ? { subtitle: { tag: 'plain_text', content: opts.subtitle } } : {}),
    },
    body: { elements },
  };
}

export const md = (content: string): object => ({ tag: 'markdown', content });

export const hr = (): object => ({ tag: 'hr' });

/** A button whose click reaches our card router with `value` (value.a names the action). */
export function button(
  text: string,
  value: ButtonValue,
  type: 'primary' | 'default' | 'danger' | 'primary_filled' | 'laser' = 'default',
): object {
  return {
    tag: 'button',
    text: { tag: 'plain_text', content: text },
    type,
    width: 'default',
    behaviors: [{ type: 'callback', value }],
  };
}

/** A button as wide as the card (task choices: a phone shows the whole label, and each is easy to hit). */
export function wideButton(
  text: string,
  value: ButtonValue,
  type: 'primary' | 'default' | 'danger' = 'default',
): object {
  return { ...button(text, value, type), width: 'fill' };
}

/**
 * A button that opens a web page (Lark opens a plain https URL in its in-app browser; with the
 * 网页应用 capability the page's Lark sign-in completes there without a prompt).
 */
export function linkButton(text: string, url: string, type: 'primary' | 'default' = 'default'): object {
  return {
    tag: 'button',
    text: { tag: 'plain_text', content: text },
    type,
    width: 'default',
    behaviors: [{ type: 'open_url', default_url: url, pc_url: '', ios_url: '', android_url: '' }],
  };
}

/** Buttons side by side, wrapping on phones. */
export function buttonRow(buttons: object[]): object {
  return {
    tag: 'column_set',
    flex_mode: 'flow',
    horizontal_spacing: '8px',
    columns: buttons.map((b) => ({ tag: 'column', width: 'auto', elements: [b] })),
  };
}

/** A drop-down menu; the chosen option's value arrives as `action.option`. */
export function selectMenu(
  placeholder: string,
  options: { text: string; value: string }[],
  value: ButtonValue,
): object {
  return {
    tag: 'select_static',
    placeholder: { tag: 'plain_text', content: placeholder },
    width: 'fill',
    options: options.map((o) => ({ text: { tag: 'plain_text', content: o.text }, value: o.value })),
    behaviors: [{ type: 'callback', value }],
  };
}

/**
 * Escapes text for card markdown (user captions, file names) the way Lark's card markdown wants it:
 * HTML entities, not backslashes (which the card shows as they are). One pass: an entity someone
 * typed (`&lt;`) stays visible as typed.
 */
export function esc(text: string): string {
  return text.replace(/[&<>*_~`[\]#|\\]/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  '`': '&#96;',
  '[': '&#91;',
  ']': '&#93;',
  '#': '&#35;',
  '|': '&#124;',
  '\\': '&#92;',
};

/**
 * A date on a card: 「6月30日」, with the year when it is not the current one (「2027年2月2日」), so a
 * deadline next year never sits beside this year's looking the same.
 */
export function shortDate(d: Date, timeZone: string, now: Date = new Date()): string {
  return plainDate(d, now, timeZone);
}

/** Lark refuses cards over 30 KB (230025): callers check before sending. */
export const CARD_LIMIT_BYTES = 30 * 1024;
/**
 * A card's size as it travels: the request carries it as the JSON string `content`, so every quote
 * and backslash is escaped once more. Measuring that (not the bare card) keeps the check on the
 * safe side whichever of the two Lark counts.
 */
export const cardBytes = (c: object): number => Buffer.byteLength(JSON.stringify(JSON.stringify(c)));
