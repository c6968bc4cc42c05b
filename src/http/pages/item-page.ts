import { itemDetail, type ItemDetail, type PageMaterial } from '../../db/repos/page-items.js';
import { transfersOfItem, type ItemTransfer } from '../../db/repos/transfer-packages.js';
import { recordEditsAfterTransfer } from '../../db/repos/transfer-record-edits.js';
import { recordEditText } from '../../domain/record-edit.js';
import { RECALLED_REASON } from '../../domain/catalogue.js';
import { plainDate } from '../../domain/plain-date.js';
import { packagePath, transfersPath } from '../../domain/transfer-changes.js';
import { EDIT_ROLES } from './compilation-view.js';
import { canSee, holdsRole, NotFound, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { ACTION_LABEL, counts, dateTime, KIND_LABEL } from './format.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';
import { crumbs } from './unit-view.js';
import { materialStatusLabel } from '../../domain/material-status.js';
import { actorLabel, unnamedPerson } from '../../domain/person-name.js';
import { mergedInto } from '../../db/repos/item-regroup.js';
import { postMerge, postSplit, regroupSection, type RegroupResult } from './regroup-forms.js';
import {
  afterSave,
  carriedRequest,
  requestBanner,
  requestIdOf,
  type CarriedRequest,
} from './carried-request.js';
import {
  describeAccess,
  describeForm,
  saveDescription,
  snake,
  type DescribeResult,
} from './describe-form.js';

const DESCRIPTION_FIELDS: [string, string][] = [
  ['title', '题名'],
  ['docNumber', '文号'],
  ['responsible', '责任者'],
  ['date', '日期'],
  ['pages', '页数'],
  ['secrecy', '密级'],
  ['reason', '事由'],
  ['place', '地点'],
  ['people', '人物'],
  ['photographer', '摄影者'],
  ['remarks', '备注'],
];

/**
 * GET /items/:id[?view=<material>] — thumbnails, a viewer for the chosen photo (<img>) or PDF
 * (<embed>), the description (著录), 档号 and the audit trail; 更正著录 for whom describeItem allows.
 */
export async function itemPage(c: PageContext): Promise<void> {
  const d = await visibleItem(c);
  await showItem(c, d, { request: await carriedRequest(c, d) });
}

/**
 * POST /items/:id/describe (CSRF-checked): 更正著录 saved through describeItem; the page again, with
 * what was saved or why not (and, when refused, the form as typed).
 */
export async function itemDescribe(c: PageContext): Promise<void> {
  const d = await visibleItem(c);
  const request = await carriedRequest(c, d);
  const result = await saveDescription(c, d, requestIdOf(request));
  await showItem(c, await visibleItem(c), { result, request: afterSave(request, result.closed) });
}

/** POST /items/:id/split (CSRF-checked): 移出为新件; the page again, saying what was done or why not. */
export async function itemSplit(c: PageContext): Promise<void> {
  const d = await visibleItem(c);
  const request = await carriedRequest(c, d);
  const regroup = await postSplit(c, d, requestIdOf(request));
  await showItem(c, await visibleItem(c), { regroup, request: afterSave(request, regroup.closed) });
}

/** POST /items/:id/merge (CSRF-checked): the item named joins this one; the page again. */
export async function itemMerge(c: PageContext): Promise<void> {
  const d = await visibleItem(c);
  const request = await carriedRequest(c, d);
  const regroup = await postMerge(c, d, requestIdOf(request));
  await showItem(c, await visibleItem(c), { regroup, request: afterSave(request, regroup.closed) });
}

async function visibleItem(c: PageContext): Promise<ItemDetail> {
  const d = await itemDetail(c.deps.db, c.params.id!);
  if (!d || !canSee(c.viewer, d.unit.path)) throw new NotFound();
  // Its filer and those in its 操作记录 named from its chat's members when nobody registered them.
  const chatId = d.item.chatId;
  const names = await c.deps.chatMemberNames([
    ...(d.item.filedByName ? [] : [{ openId: d.item.filedBy, chatId }]),
    ...d.audit.flatMap((a) =>
      a.actorName || !a.actor.startsWith('ou_') ? [] : [{ openId: a.actor, chatId }],
    ),
  ]);
  return {
    ...d,
    item: { ...d.item, filedByName: d.item.filedByName ?? names.get(d.item.filedBy) ?? null },
    audit: d.audit.map((a) => (a.actorName ? a : { ...a, actorName: names.get(a.actor) ?? null })),
  };
}

async function showItem(
  c: PageContext,
  d: ItemDetail,
  o: { result?: DescribeResult; regroup?: RegroupResult; request?: CarriedRequest | undefined } = {},
): Promise<void> {
  const { result, regroup, request } = o;
  const { timeZone } = c.deps;
  const now = c.deps.clock.now();
  const access = await describeAccess(c, d);
  const wanted = Number(c.koa.query.view);
  const shown = d.materials.find((m) => m.id === wanted) ?? d.materials.find((m) => m.status === 'stored');
  const desc = d.description ?? {};
  const transfers = await transfersOfItem(c.deps.db, d.item.id);
  // Its 著录 changed or files recalled since a 移交包 carried it (移交后变更 with the 档号 kept).
  const edits =
    transfers.length > 0 ? (await recordEditsAfterTransfer(c.deps.db, { itemId: d.item.id })).rows : [];
  const archivist = holdsRole(c.viewer, d.unit.path, EDIT_ROLES);
  const body = html`${await crumbs(c, d.unit.path, html`<a href="/tasks/${d.task.id}">${d.task.code} ${d.task.title}</a>`)}
    <h1>${d.item.title}</h1>
    ${requestBanner(request)}
    ${
      result
        ? html`<div class="card" id="describe-result" role="status">
            <span class="${result.ok ? 'ok' : 'bad'}">${result.message}</span>
          </div>`
        : ''
    }
    ${
      regroup
        ? html`<div class="card" id="regroup-result" role="status">
            <span class="${regroup.ok ? 'ok' : 'bad'}">${regroup.message}</span>
            ${regroup.link ? html` <a id="regroup-link" href="${regroup.link.href}">${regroup.link.text}</a>` : ''}
          </div>`
        : ''
    }
    <div class="card">
      <dl>
        <dt>档号</dt>
        <dd id="archival-code">${archivalCodeLine(d, now, timeZone)}</dd>
        ${
          transfers.length > 0
            ? html`<dt>移交</dt>
                <dd id="transfer">
                  ${transfers.map((t) => html`<div>${transferLine(t, now, timeZone, archivist)}</div>`)}
                  ${edits.map(
                    (e) =>
                      html`<div class="transfer-edit" data-kind="${e.kind}">
                        ${dateTime(e.at, now, timeZone)} 移交后${recordEditText(e)}（档号 ${e.archivalCode}
                        不变）
                      </div>`,
                  )}
                  ${archivist ? html`<a id="transfer-list" href="${transfersPath(d.unit.id)}">移交包记录</a>` : ''}
                </dd>`
            : ''
        }
        <dt>类型</dt>
        <dd>${KIND_LABEL[d.item.kind] ?? d.item.kind} · ${counts(d.item.files)}</dd>
        <dt>任务</dt>
        <dd><a href="/tasks/${d.task.id}">${d.task.code} ${d.task.title}</a> · ${d.task.class}</dd>
        <dt>单位</dt>
        <dd><a href="/units/${d.unit.id}">${d.unit.fullName}</a></dd>
        <dt>提交</dt>
        <dd>
          ${d.item.filedByName ?? unnamedPerson(d.item.filedBy)}
          ${dateTime(d.item.filedAt, now, timeZone)}${d.item.undoneAt ? undoneNote(await mergedInto(c.deps.db, d.item.id)) : ''}
        </dd>
        ${DESCRIPTION_FIELDS.filter(([k]) => desc[snake(k)] != null && desc[snake(k)] !== '').map(
          ([k, label]) =>
            html`<dt>${label}</dt>
              <dd>${String(desc[snake(k)])}</dd>`,
        )}
      </dl>
    </div>
    ${access === 'form' ? describeForm(c, d, result?.redraw, request) : ''}
    ${access === 'confirmed' ? html`<p class="muted">已确认归档，著录只能由档案员更正。</p>` : ''}
    ${shown ? html`<div class="card viewer" id="viewer">${viewer(shown)}</div>` : ''}
    <h2>材料（${d.materials.length}）</h2>
    <div class="thumbs" id="materials">${d.materials.map((m) => thumb(d.item.id, m))}</div>
    ${regroupSection(c, d, request)}
    <h2>操作记录</h2>
    <div class="scroll">
      <table id="audit">
        <tr>
          <th>时间</th>
          <th>操作</th>
          <th>人员</th>
        </tr>
        ${d.audit.map(
          (a) =>
            html`<tr>
              <td>${dateTime(a.at, now, timeZone)}</td>
              <td>${ACTION_LABEL[a.action] ?? a.action}</td>
              <td>${actorLabel(a.actor, a.actorName, a.operator)}</td>
            </tr>`,
        )}
      </table>
    </div>`;
  page(c.koa, regroup?.status ?? result?.status ?? 200, layout(d.item.title, c.viewer, body));
}

/** An undone item: 已撤销, or, when it was 并入 another, which (its files are there now). */
const undoneNote = (into: number | undefined): Html =>
  into === undefined
    ? html` <span class="bad">已撤销</span>`
    : html` <span class="bad" id="merged-into">已并入<a href="/items/${into}">件 #${into}</a></span>`;

/**
 * The live 档号; else the one the item lost, marked 停用 with when and why (its files recalled: the
 * archivist needs to see that the number went, not only 「未确认归档」); else 未确认归档.
 */
function archivalCodeLine(d: ItemDetail, now: Date, timeZone: string): Html | string {
  if (d.item.archivalCode) return d.item.archivalCode;
  const w = d.withdrawn;
  if (!w) return '未确认归档';
  const why = [w.reason, dateTime(w.at, now, timeZone)].filter(Boolean).join('，');
  return html`<s>${w.archivalCode}</s> <span class="bad">档号已停用（${why}）</span>`;
}

/**
 * 「已于12月6日随移交包 #3 移交」; a 档号 retired since also says how and whether the county archive was
 * sent the correction (「移交后已撤销确认，更正未报送」). `linked` (an archivist or admin): the package's
 * number opens its page.
 */
function transferLine(t: ItemTransfer, now: Date, timeZone: string, linked: boolean): Html {
  const pkg = linked
    ? html`<a class="transfer-package" href="${packagePath(t.packageId)}">移交包 #${t.packageId}</a>`
    : `移交包 #${t.packageId}`;
  const went = html`已于${plainDate(t.handedAt, now, timeZone)}随${pkg} 移交`;
  if (!t.withdrawnAt) return went;
  const how = t.withdrawnReason === RECALLED_REASON ? '移交后材料已撤回、档号停用' : '移交后已撤销确认';
  return html`${went}（档号 ${t.archivalCode}）；${how}，更正${t.reportedAt ? '已报送' : '未报送'}`;
}

function thumb(itemId: number, m: PageMaterial): Html {
  const label = m.originalName ?? KIND_LABEL[m.kind] ?? m.kind;
  const pic = m.hasThumbnail
    ? html`<img src="/thumbs/${m.id}" alt="${label}" loading="lazy" />`
    : html`<span
        style="display:flex;width:104px;height:104px;align-items:center;justify-content:center;background:#fff;border-radius:4px;font-size:12px;text-align:center;overflow:hidden"
        >${label}</span
      >`;
  return html`<a href="/items/${itemId}?view=${m.id}#viewer" title="${label}" data-material="${m.id}"
    >${pic}</a
  >`;
}

function viewer(m: PageMaterial): Html {
  const download = html`<p>
    <a class="btn" href="/files/${m.id}">下载原件</a>${
      m.quality === 'compressed' ? html` <span class="bad">照片可能被压缩</span>` : ''
    }${m.caption ? html` <span class="muted">${m.caption}</span>` : ''}
  </p>`;
  if (m.status !== 'stored')
    return html`<p class="muted">这个文件不能查看（${materialStatusLabel(m.status)}）。</p>`;
  if (m.kind === 'photo' && m.mime && /^image\/(jpeg|png|gif|webp)$/.test(m.mime))
    return html`<img src="/files/${m.id}?inline=1" alt="${m.originalName ?? '照片'}" />${download}`;
  if (m.mime === 'application/pdf')
    return html`<embed src="/files/${m.id}?inline=1" type="application/pdf" />${download}`;
  return html`<p>${m.originalName ?? KIND_LABEL[m.kind] ?? m.kind}</p>
    ${download}`;
}
