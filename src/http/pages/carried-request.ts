import type { ItemDetail } from '../../db/repos/page-items.js';
import { owedRequestOf } from '../../usecases/correction-follow-up.js';
import { holdsRole, type PageContext } from '../web-context.js';
import { EDIT_ROLES } from './compilation-view.js';
import { html, type Html } from './html.js';

/**
 * The approved 申请更正 the item page carries out: opened from that request's correction card (its links
 * carry `?r=<request id>`), kept through the page's forms (a hidden `r`). A 移出, 并入 or 著录 saved
 * from the page then closes it (its requester told 「已改好」). `refused`: an `r` that is not an
 * approved request still owed on this item, or a viewer who is not the unit's archivist or admin — said
 * on the page, and nothing the page saves closes a request.
 */
export type CarriedRequest =
  | { kind: 'owed'; id: number; text: string }
  | { kind: 'refused'; message: string }
  /** Closed by what this page just saved. */
  | { kind: 'closed'; id: number; text: string };

/** The `r` the page was opened or its form posted with, checked (CarriedRequest); none without one. */
export async function carriedRequest(c: PageContext, d: ItemDetail): Promise<CarriedRequest | undefined> {
  const raw = c.koa.method === 'POST' ? c.form.r : c.koa.query.r;
  if (raw === undefined || raw === '') return undefined;
  if (d.item.undoneAt || !holdsRole(c.viewer, d.unit.path, EDIT_ROLES))
    return {
      kind: 'refused',
      message: '链接中的更正申请只能由本单位的档案员在这一件上办理，本页的修改不会关闭它。',
    };
  const id = typeof raw === 'string' && /^[0-9]{1,15}$/.test(raw) ? Number(raw) : undefined;
  const owed = id === undefined ? undefined : await owedRequestOf(c.deps.db, id, d.item.id);
  if (!owed)
    return {
      kind: 'refused',
      message: '链接中的更正申请不是这一件待办的（已办结、未同意或属于别的件），本页的修改不会关闭它。',
    };
  return { kind: 'owed', id: owed.id, text: owed.text };
}

/** The request's id for the usecases: only one checked as owed. */
export const requestIdOf = (r: CarriedRequest | undefined): number | undefined =>
  r?.kind === 'owed' ? r.id : undefined;

/** After a save: closed when the usecase says it closed it. */
export const afterSave = (
  r: CarriedRequest | undefined,
  closed: readonly number[] | undefined,
): CarriedRequest | undefined =>
  r?.kind === 'owed' && closed?.includes(r.id) ? { kind: 'closed', id: r.id, text: r.text } : r;

/** The line a result gets when it closed the request. */
export const CLOSED_NOTE = '；更正申请已办结，已告知申请人「已改好」';

/** The hidden input that keeps an owed request through a form. */
export const requestInput = (r: CarriedRequest | undefined): Html | string =>
  r?.kind === 'owed' ? html`<input type="hidden" name="r" value="${r.id}" />` : '';

/** Which request the page is carrying out (or why it carries none), above the item. */
export function requestBanner(r: CarriedRequest | undefined): Html | string {
  if (!r) return '';
  if (r.kind === 'refused')
    return html`<div class="card" id="carried-request" role="status">
      <span class="bad">${r.message}</span>
    </div>`;
  if (r.kind === 'closed')
    return html`<div class="card" id="carried-request" role="status">
      <span class="ok">更正申请「${r.text}」已办结，已告知申请人。</span>
    </div>`;
  return html`<div class="card" id="carried-request" role="status">
    正在办理更正申请：「${r.text}」。在本页移出、并入或更正著录并保存后，这个申请即办结，并告知申请人「已改好」。
  </div>`;
}
