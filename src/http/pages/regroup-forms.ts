import type { ItemDetail, PageMaterial } from '../../db/repos/page-items.js';
import { filesMark, itemIdOfInput } from '../../domain/item-regroup.js';
import { mergeItems } from '../../usecases/merge-items.js';
import { splitItem, type RegroupOutcome } from '../../usecases/split-item.js';
import { holdsRole, type PageContext } from '../web-context.js';
import { CLOSED_NOTE, requestInput, type CarriedRequest } from './carried-request.js';
import { EDIT_ROLES } from './compilation-view.js';
import { KIND_LABEL } from './format.js';
import { html, type Html } from './html.js';

/** What a 移出 or 并入 POST did: said above the page drawn again, with a link to the item it made or fed. */
export interface RegroupResult {
  ok: boolean;
  message: string;
  status: number;
  /** The item to open next: the new one after 移出. */
  link?: { href: string; text: string };
  /** The approved 申请更正 it carried out (closed, their requesters told). */
  closed?: number[];
}

const checkboxName = (materialId: number) => `m_${materialId}`;

/**
 * 移出 / 并入 on the item page, for the unit's archivists and admins (splitItem's and mergeItems' rule)
 * while the item is live: a confirmed item says to 撤销确认 first instead. 移出: a checkbox per file →
 * 移出为新件; 并入: another item of the same task, by its number or its page's link, joins this one.
 * Both forms carry the mark of the files as drawn (filesMark): a form sent after the files changed is
 * refused, not applied to files its user did not see.
 */
export function regroupSection(c: PageContext, d: ItemDetail, request?: CarriedRequest): Html | string {
  if (d.item.undoneAt || !holdsRole(c.viewer, d.unit.path, EDIT_ROLES)) return '';
  if (d.item.archivalCode)
    return html`<p class="muted" id="regroup-confirmed">
      已确认归档（档号 ${d.item.archivalCode}）：要移出文件或并入别的件，请先撤销确认。
    </p>`;
  const drawn = filesMark(d.materials.map((m) => m.id));
  const csrf = html`<input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
    <input type="hidden" name="drawn" value="${drawn}" />
    ${requestInput(request)}`;
  return html`<h2 id="regroup">移出 / 并入</h2>
    <form method="post" action="/items/${d.item.id}/split" class="card" id="split">
      ${csrf}
      <p class="muted">勾选不属于这一件的文件，移出后成为同一任务下新的一件（著录留在本件）。</p>
      ${d.materials.map((m) => fileBox(m))}
      <p><button type="submit">移出为新件</button></p>
    </form>
    <form method="post" action="/items/${d.item.id}/merge" class="card" id="merge">
      ${csrf}
      <p>
        <label for="merge-from">把同一任务的另一件并入本件（它的文件排在本件之后）：</label>
        <input
          id="merge-from"
          name="from"
          placeholder="件号或链接，如 #12"
          style="width:100%;box-sizing:border-box;padding:4px;font-size:15px"
        />
      </p>
      <button type="submit">并入本件</button>
    </form>`;
}

function fileBox(m: PageMaterial): Html {
  const label = m.originalName ?? KIND_LABEL[m.kind] ?? m.kind;
  return html`<label
    style="display:inline-block;margin:0 8px 8px 0;vertical-align:top"
    data-material="${m.id}"
  >
    <input type="checkbox" name="${checkboxName(m.id)}" value="1" />
    ${m.hasThumbnail ? html`<img src="/thumbs/${m.id}" alt="${label}" width="64" height="64" />` : label}
  </label>`;
}

const resultOf = (o: RegroupOutcome): RegroupResult => {
  const closed = o.status === 'refused' ? [] : o.closedRequests;
  const done = closed.length > 0 ? { message: `${o.message}${CLOSED_NOTE}`, closed } : { message: o.message };
  if (o.status === 'split')
    return {
      ok: true,
      ...done,
      status: 200,
      link: { href: `/items/${o.newItemId}#describe`, text: `打开新件 #${o.newItemId}` },
    };
  if (o.status === 'merged') return { ok: true, ...done, status: 200 };
  const status = o.reason === 'not_allowed' ? 403 : o.reason === 'not_found' ? 404 : 409;
  return { ok: false, message: o.message, status };
};

/** POST /items/:id/split: the files ticked become a new item (splitItem, source `page`). */
export async function postSplit(c: PageContext, d: ItemDetail, requestId?: number): Promise<RegroupResult> {
  const chosen = d.materials.filter((m) => c.form[checkboxName(m.id)] !== undefined).map((m) => m.id);
  // A ticked file the page drew that has left the item since: sent as its id, refused as not in the item.
  const stale = Object.keys(c.form)
    .map((k) => /^m_(\d{1,15})$/.exec(k)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .filter((id) => !chosen.includes(id));
  return resultOf(
    await splitItem(
      { db: c.deps.db, clock: c.deps.clock },
      {
        itemId: d.item.id,
        materialIds: [...chosen, ...stale],
        actor: c.viewer.openId,
        source: 'page',
        drawn: c.form.drawn ?? '',
        ...(requestId !== undefined ? { requestId } : {}),
      },
    ),
  );
}

/** POST /items/:id/merge: the item named in 并入 joins this one (mergeItems, source `page`). */
export async function postMerge(c: PageContext, d: ItemDetail, requestId?: number): Promise<RegroupResult> {
  const from = itemIdOfInput(c.form.from ?? '');
  if (from === undefined)
    return { ok: false, message: '请填写要并入的那一件的件号（如 #12）或它的页面链接', status: 400 };
  return resultOf(
    await mergeItems(
      { db: c.deps.db, clock: c.deps.clock },
      {
        intoItemId: d.item.id,
        fromItemId: from,
        actor: c.viewer.openId,
        source: 'page',
        drawn: c.form.drawn ?? '',
        ...(requestId !== undefined ? { requestId } : {}),
      },
    ),
  );
}
