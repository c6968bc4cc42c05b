import type { PageItem } from '../../db/repos/page-items.js';
import { counts, dateTime, KIND_LABEL } from './format.js';
import { html, type Html } from './html.js';
import { unnamedPerson } from '../../domain/person-name.js';

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
