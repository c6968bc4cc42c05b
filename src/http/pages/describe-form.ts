import type { ItemDetail } from '../../db/repos/page-items.js';
import { DomainError } from '../../errors.js';
import { describeItem, describeRight, type DescribeItemInput } from '../../usecases/describe-item.js';
import type { PageContext } from '../web-context.js';
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

/**
 * A field's value as the form shows it ('' when none); the 题名 the item goes by when none was
 * described. A field sent back as shown is not saved.
 */
const recorded = (d: ItemDetail, k: string): string => {
  const v = d.description?.[snake(k)];
  if (k === 'title' && (v == null || v === '')) return d.item.title;
  return v == null ? '' : String(v);
};

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

/** 更正著录: the catalogue fields prefilled (or as typed, when a save was refused). */
export function describeForm(c: PageContext, d: ItemDetail, typed?: Record<string, string>): Html {
  return html`<h2>更正著录</h2>
    <form method="post" action="/items/${d.item.id}/describe" class="card" id="describe">
      <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
      <dl>
        ${fieldsOf(d).map(
          ([k, label]) =>
            html`<dt><label for="f-${k}">${label}</label></dt>
              <dd>
                <input
                  id="f-${k}"
                  name="${k}"
                  value="${typed?.[k] ?? recorded(d, k)}"
                  ${k === 'pages' || k === 'date' ? html`inputmode="numeric"` : ''}
                  ${k === 'date' ? html`placeholder="如 20250305"` : ''}
                  style="width:100%;box-sizing:border-box;padding:4px;font-size:15px"
                />
              </dd>`,
        )}
      </dl>
      <p class="muted">清空的项不会删除（文号除外：清空表示没有文号）。</p>
      <button type="submit">保存</button>
    </form>`;
}

export type DescribeResult = { ok: boolean; message: string; status: number };

/**
 * Saves what the form changed through describeItem (audited, source `page`); a field left as it was
 * is not sent, so an unchanged blank 文号 does not become 「没有文号」. Refusals come back as text.
 */
export async function saveDescription(c: PageContext, d: ItemDetail): Promise<DescribeResult> {
  const changed: Record<string, string | number> = {};
  for (const [k] of fieldsOf(d)) {
    const sent = c.form[k];
    if (sent === undefined) continue;
    const v = sent.trim();
    if (v === recorded(d, k) || (v === '' && k !== 'docNumber')) continue;
    if (k === 'pages') {
      if (!/^[0-9]{1,9}$/.test(v)) return { ok: false, message: '页数须为正整数', status: 400 };
      changed.pages = Number(v);
    } else changed[k] = v;
  }
  if (Object.keys(changed).length === 0) return { ok: false, message: '没有改动，没有保存。', status: 200 };
  try {
    const outcome = await describeItem(
      { db: c.deps.db, clock: c.deps.clock },
      {
        ...(changed as Partial<DescribeItemInput>),
        itemId: d.item.id,
        actor: c.viewer.openId,
        source: 'page',
      },
    );
    return outcome.status === 'described'
      ? { ok: true, message: outcome.message, status: 200 }
      : { ok: false, message: outcome.message, status: 403 };
  } catch (err) {
    if (err instanceof DomainError) return { ok: false, message: err.message, status: 400 };
    throw err;
  }
}
