import { html, type Html } from './html.js';

/**
 * Where a page of a longer list stands, so it never looks like the whole list: 「第 51—100 项，共 120 项」
 * (with 回到第一页 on a later page) above it, and 「还有 20 项，下一页 ›」 below it while more follow;
 * a page past the end (fewer left than when its link was drawn) says only 「共 N 项」. Nothing when the
 * list fits one page. `prefix` names the elements (`due` → #due-range, #due-first,
 * #due-more).
 */
export function listPager(
  prefix: string,
  p: { first: number; shown: number; total: number; firstUrl: string; nextUrl?: string },
): { range: Html | ''; more: Html | '' } {
  const more = p.total - (p.first - 1) - p.shown;
  if (p.first <= 1 && more <= 0) return { range: '', more: '' };
  // A page past the end (its link drawn before tasks were done meanwhile) shows none: no 「第 a—b 项」.
  const shown = p.shown > 0 ? html`第 ${p.first}—${p.first + p.shown - 1} 项，` : '';
  return {
    range: html`<div class="muted" id="${prefix}-range">
      ${shown}共 ${p.total}
      项${p.first > 1 ? html` <a id="${prefix}-first" href="${p.firstUrl}">回到第一页</a>` : ''}
    </div>`,
    more:
      more > 0 && p.nextUrl
        ? html`<p><a id="${prefix}-more" href="${p.nextUrl}">还有 ${more} 项，下一页 ›</a></p>`
        : '',
  };
}
