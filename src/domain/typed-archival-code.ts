/**
 * A 档号 as a person types it. The middle dot of `A182-WS·2025-D30-ZH-0001` is not on a keyboard:
 * archivists type `.`, the Chinese IME's `・` or `•`, a full-width `．`, a dash other than `-`,
 * lower-case letters or spaces. Such a code names the same record; comparing the loose forms finds it.
 */

/** Characters typed for the middle dot `·` (U+00B7). */
export const DOT_LIKES = '.・•‧∙⋅。';
/** Characters typed for the hyphen `-`. */
const DASH_LIKES = /[‐‑‒–—―−]/g;

/** The form two spellings of one 档号 share: NFKC, no spaces, dots as `·`, dashes as `-`, upper case. */
export function looseArchivalCode(typed: string): string {
  return typed
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(new RegExp(`[${DOT_LIKES}]`, 'g'), '·')
    .replace(DASH_LIKES, '-')
    .toUpperCase();
}
