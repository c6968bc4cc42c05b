/**
 * A 档号 as a person types it. The middle dot of `A182-WS·2025-D30-ZH-0001` is not on a keyboard, and
 * archive.yaml may set another year separator (`.`, `-`, `_`): archivists type `.` for `·` or `·` for
 * `.`, the Chinese IME's `・`, `•` or `——`, a full-width `．` or `－`, a dash other than `-`, full-width
 * letters and digits, lower case or spaces. Such a code names the same record whatever separator is
 * configured; comparing the loose forms finds it.
 */

/**
 * Characters typed for a separator of a 档号 (after NFKC): the middle dot and what looks like it, the
 * full stop, the underscore, the hyphen and the dashes. One written as a regular-expression bracket
 * expression that JavaScript and PostgreSQL read alike (no backslash; `-` last).
 */
export const SEPARATOR_LIKES = '·.・•‧∙⋅。_‐‑‒–—―−-';
/** A run of separator characters (`——`, ` - ` without its spaces) stands for one separator. */
export const SEPARATOR_RUN = `[${SEPARATOR_LIKES}]+`;

/**
 * The form two spellings of one 档号 share: NFKC (full-width letters, digits, `．`, `－`), no spaces,
 * every run of separator characters as one `-`, upper case. `A182-WS·2025-D30-ZH-0001`,
 * `A182-WS.2025-D30-ZH-0001` and `ａ182－ws・2025—d30-zh-0001` are all `A182-WS-2025-D30-ZH-0001`.
 */
export function looseArchivalCode(typed: string): string {
  return typed
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(new RegExp(SEPARATOR_RUN, 'g'), '-')
    .toUpperCase();
}

/** The loose form of `typed` when it may be spelled otherwise in a 档号 (a separator, a full-width character …). */
export function looseSpelling(typed: string): string | undefined {
  const loose = looseArchivalCode(typed);
  return loose.includes('-') || loose.toLowerCase() !== typed.toLowerCase() ? loose : undefined;
}
