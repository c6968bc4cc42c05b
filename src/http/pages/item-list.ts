import type { PageItem } from '../../db/repos/page-items.js';
import { counts, dateTime, KIND_LABEL } from './format.js';
import { html, type Html } from './html.js';
import { unnamedPerson } from '../../domain/person-name.js';
import type { WebDeps } from '../web-context.js';

/**
 * Items with their filer named where `people` has no name: as the chat they were filed from names its
 * members in Lark (WebDeps.chatMemberNames, a short wait at most); else still null (「未登记姓名的成员」).
 */
export async function withFilerNames<T extends PageItem>(deps: WebDeps, items: readonly T[]): Promise<T[]> {
  const unnamed = items.filter((i) => !i.filedByName?.trim());
  if (unnamed.length === 0) return [...items];
  const names = await deps.chatMemberNames(unnamed.map((i) => ({ openId: i.filedBy, chatId: i.chatId })));
  return items.map((i) => (i.filedByName?.trim() ? i : { ...i, filedByName: names.get(i.filedBy) ?? null }));
}

/** Items as cards with a thumbnail, title, counts, 档号 and who filed them when (as of `now`). */
export function itemList<T extends PageItem>(
  items: T[],
  tz: string,
  now: Date,
  extra?: (i: T) => Html | string,
): Html {
  return html`<div class="items">
    ${items.map(
      (i) =>
        html`<div class="card item" style="display:flex;gap:10px">
          ${i.thumbMaterialId ? html`<a href="/items/${i.id}"><img src="/thumbs/${i.thumbMaterialId}" alt="" width="72" height="72" style="object-fit:cover;border-radius:4px" /></a>` : ''}
          <div>
            <a href="/items/${i.id}"><b>${i.title}</b></a>
            <span class="muted">${KIND_LABEL[i.kind] ?? i.kind}</span><br />
            <span class="muted"
              >${counts(i.files)} · ${i.filedByName ?? unnamedPerson(i.filedBy)}
              ${dateTime(i.filedAt, now, tz)}${i.archivalCode ? html` · 档号 ${i.archivalCode}` : ''}</span
            >
            ${extra ? html`<br />${extra(i)}` : ''}
          </div>
        </div>`,
    )}
  </div>`;
}
