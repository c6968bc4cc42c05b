import type { ItemDetail } from '../../db/repos/page-items.js';
import { drawnMark, fieldChange } from '../../domain/drawn-field.js';
import { DomainError } from '../../errors.js';
import {
  describeItem,
  describeRight,
  shownField,
  type DescribeItemInput,
} from '../../usecases/describe-item.js';
import type { PageContext } from '../web-context.js';
import { CLOSED_NOTE, requestInput, type CarriedRequest } from './carried-request.js';
import { html, type Html } from './html.js';

/** The catalogue fields the form corrects, in the catalogue's order; the photo group's add DA/T 50's. */
const FIELDS: [string, string][] = [
  ['title', '题名'],
  ['responsible', '责任者'],
  ['docNumber', '文号'],
  ['date', '日期'],
  ['pages', '页数'],
  ['secrecy', '密级'],
  ['remarks', '备注'],
];
const PHOTO_FIELDS: [string, string][] = [
  ['reason', '事由'],
  ['place', '地点'],
  ['people', '人物'],
  ['photographer', '摄影者'],
];

const fieldsOf = (d: ItemDetail) => (d.item.kind === 'photo_group' ? [...FIELDS, ...PHOTO_FIELDS] : FIELDS);

/** item_descriptions as JSON (to_jsonb) has snake_case keys. */
export const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A field's value as the form shows it now (describe-item.ts shownField). */
const recorded = (d: ItemDetail, k: string): string => shownField(k, d.description?.[snake(k)], d.item.title);

/**
 * The hidden input carrying a field's mark (drawnMark, '' for a blank) of the value the form was drawn
 * with, so that the POST saves only what the user changed and refuses what someone else changed since.
 */
const markName = (k: string) => `drawn_${k}`;
/** A field sent without its mark (a form drawn before marks were): never a mark, so never taken as unchanged. */
const NO_MARK = '!';

/**
 * May the viewer correct this item's 著录 — describeItem's rule: its unit's archivists and admins,
 * and until its 档号 is live its filer and the unit's officers; never an undone item.
 * `confirmed`: someone describeItem would refuse only because the 档号 is live.
 */
export async function describeAccess(
  c: PageContext,
  d: ItemDetail,
): Promise<'form' | 'confirmed' | undefined> {
  if (d.item.undoneAt) return undefined;
  const right = await describeRight(c.deps.db, d.item, d.unit.path, c.viewer.openId);
  if (right === 'archivist' || (right && !d.item.archivalCode)) return 'form';
  return right ? 'confirmed' : undefined;
}

/**
 * How a POST left the form: `typed` (a value refused: as typed, with the marks it was drawn with), or
 * `conflict` (fields someone changed since it was drawn: drawn again as they are now, with the user's
 * own text for them shown beneath, and the user's other changes kept in their boxes).
 */
export type FormRedraw =
  { kind: 'typed' } | { kind: 'conflict'; fields: string[]; changes: Record<string, string> };

/** 更正著录: the catalogue fields prefilled (or as typed, when a save was refused), each with its mark. */
export function describeForm(
  c: PageContext,
  d: ItemDetail,
  redraw?: FormRedraw,
  request?: CarriedRequest,
): Html {
  const typed = redraw?.kind === 'typed';
  const conflict = redraw?.kind === 'conflict' ? redraw : undefined;
  const shown = (k: string): string => {
    if (typed) return c.form[k] ?? recorded(d, k);
    if (conflict && !conflict.fields.includes(k)) return conflict.changes[k] ?? recorded(d, k);
    return recorded(d, k);
  };
  const mark = (k: string): string =>
    typed ? (c.form[markName(k)] ?? NO_MARK) : (drawnMark(recorded(d, k)) ?? '');
  return html`<h2>更正著录</h2>
    <form method="post" action="/items/${d.item.id}/describe" class="card" id="describe">
      <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
      ${requestInput(request)}
      <dl>
        ${fieldsOf(d).map(
          ([k, label]) =>
            html`<dt><label for="f-${k}">${label}</label></dt>
              <dd>
                <input type="hidden" name="${markName(k)}" value="${mark(k)}" />
                <input
                  id="f-${k}"
                  name="${k}"
                  value="${shown(k)}"
                  ${k === 'pages' || k === 'date' ? html`inputmode="numeric"` : ''}
                  ${k === 'date' ? html`placeholder="如 20250305"` : ''}
                  style="width:100%;box-sizing:border-box;padding:4px;font-size:15px"
                />
                ${
                  conflict?.fields.includes(k)
                    ? html`<div class="bad theirs" id="theirs-${k}">
                        已被他人改成上面的内容；你填的是：${conflict.changes[k] || '（空）'}
                      </div>`
                    : ''
                }
              </dd>`,
        )}
      </dl>
      <p class="muted">清空的项不会删除（文号除外：清空表示没有文号）。</p>
      <button type="submit">保存</button>
    </form>`;
}

export type DescribeResult = {
  ok: boolean;
  message: string;
  status: number;
  redraw?: FormRedraw;
  /** The approved 申请更正 the save carried out (the page's `r`): closed. */
  closed?: number[];
};

/**
 * Saves what the user changed from what the form was drawn with (fieldChange against each field's
 * mark) through describeItem (audited, source `page`): a field left as drawn is not sent, even when it
 * differs from the database now (a 题名 a refile renamed meanwhile, a field another archivist saved),
 * so an unchanged blank 文号 does not become 「没有文号」 and a stale form undoes nothing. A field the user
 * changed that someone else also changed since the form was drawn refuses the save (409; describeItem
 * checks it under the item's row lock): the form is drawn again as things are now, the user's text kept.
 * Other refusals come back as text.
 */
export async function saveDescription(
  c: PageContext,
  d: ItemDetail,
  /** The approved 申请更正 the page carries out (CarriedRequest, checked as owed): closed by the save. */
  requestId?: number,
): Promise<DescribeResult> {
  const changed: Record<string, string | number> = {};
  const changes: Record<string, string> = {};
  const drawn: Record<string, string> = {};
  for (const [k] of fieldsOf(d)) {
    const mark = c.form[markName(k)] ?? NO_MARK;
    const change = fieldChange(c.form[k], mark || undefined);
    if (change === undefined) continue;
    const v = change.trim();
    if (v === '' && k !== 'docNumber') continue;
    changes[k] = v;
    // Changed to what it already is (someone saved the same meanwhile): nothing to save.
    if (v === recorded(d, k)) continue;
    if (k === 'pages') {
      if (!/^[0-9]{1,9}$/.test(v)) return refusedAsTyped('页数须为正整数', 400);
      changed.pages = Number(v);
    } else changed[k] = v;
    drawn[k] = mark;
  }
  if (Object.keys(changed).length === 0) return { ok: false, message: '没有改动，没有保存。', status: 200 };
  try {
    const outcome = await describeItem(
      {
        db: c.deps.db,
        clock: c.deps.clock,
        timeZone: c.deps.timeZone,
        // The 移交包 page, as the chat's texts link it.
        ...(c.deps.publicUrl ? { pageUrl: (path: string) => `${c.deps.publicUrl}${path}` } : {}),
      },
      {
        ...(changed as Partial<DescribeItemInput>),
        itemId: d.item.id,
        actor: c.viewer.openId,
        source: 'page',
        drawn,
        ...(requestId !== undefined ? { requestId } : {}),
      },
    );
    if (outcome.status === 'described') {
      const closed = outcome.closedRequest;
      return closed === undefined
        ? { ok: true, message: outcome.message, status: 200 }
        : { ok: true, message: `${outcome.message}${CLOSED_NOTE}`, status: 200, closed: [closed] };
    }
    if (outcome.changedMeanwhile) {
      const fields = outcome.changedMeanwhile;
      const labels = fieldsOf(d).filter(([k]) => (fields as string[]).includes(k));
      return {
        ok: false,
        message: `${labels.map(([, label]) => `「${label}」`).join('')}在你打开页面后已被他人修改，这次没有保存。下面已换成现在的内容（你填的写在该项下方），请核对后再保存。`,
        status: 409,
        redraw: { kind: 'conflict', fields, changes },
      };
    }
    return { ok: false, message: outcome.message, status: 403 };
  } catch (err) {
    if (err instanceof DomainError) return refusedAsTyped(err.message, 400);
    throw err;
  }
}

const refusedAsTyped = (message: string, status: number): DescribeResult => ({
  ok: false,
  message,
  status,
  redraw: { kind: 'typed' },
});
