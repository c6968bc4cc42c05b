import { recordsWithin, unitsOfPackages } from '../../db/repos/transfer-package-detail.js';
import type { ChangeAfterTransfer } from '../../db/repos/transfer-packages.js';
import {
  transferChangesPage,
  transferPackagesPage,
  type ListPage,
  type PackageOfSubtree,
} from '../../db/repos/transfer-pages.js';
import type { UnitRow } from '../../db/repos/units.js';
import { packageSizeText } from '../../domain/package-size-text.js';
import { unnamedPerson } from '../../domain/person-name.js';
import {
  handoverText,
  packageDownloadPath,
  packagePath,
  sentWhereText,
} from '../../domain/transfer-changes.js';
import { DomainError } from '../../errors.js';
import { NOTE_MAX, reportTransferCorrection } from '../../usecases/report-transfer-correction.js';
import { unreportTransferCorrection } from '../../usecases/unreport-transfer-correction.js';
import { holdsRole, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { EDIT_ROLES } from './compilation-view.js';
import { dateTime } from './format.js';
import { plainDate } from '../../domain/plain-date.js';
import { html, type Html } from './html.js';
import { layout, messagePage } from './layout.js';
import { listPager } from './list-pages.js';
import { crumbs, visibleUnit } from './unit-view.js';
import { recordEditsAfterTransfer } from '../../db/repos/transfer-record-edits.js';
import { recordEditsSection } from './record-edits-section.js';

type Result = { ok: boolean; message: string };

/**
 * GET /units/:id/transfers — 移交包 (archivists and admins): the 移交后变更 still owed to the county
 * archive, each with 「已报送更正」, those reported (who, when), and the recorded packages of the unit's
 * subtree (or of a unit above that carried its 件), newest first; each list a page at a time.
 */
export async function transfersPage(c: PageContext): Promise<void> {
  const unit = await archivistUnit(c);
  if (unit) await showTransfers(c, unit);
}

/**
 * POST /units/:id/transfers (CSRF-checked): 「已报送更正」 for one retired 档号 (`record`), with how it
 * was reported (`note`, optional: e.g. the letter's 文号), audited.
 */
export async function transfersReport(c: PageContext): Promise<void> {
  const unit = await archivistUnit(c);
  if (!unit) return;
  const recordId = formRecord(c);
  if (recordId === undefined) return showTransfers(c, unit, STALE_BUTTON, 400);
  try {
    const res = await reportTransferCorrection(
      { db: c.deps.db, clock: c.deps.clock },
      { unitPath: unit.path, recordId, note: c.form.note, actor: c.viewer.openId, source: 'page' },
    );
    const ok = res.status === 'reported';
    await showTransfers(c, unit, { ok, message: res.message }, ok ? 200 : 409);
  } catch (err) {
    if (err instanceof DomainError) return showTransfers(c, unit, { ok: false, message: err.message }, 400);
    throw err;
  }
}

/**
 * POST /units/:id/transfers/unmark (CSRF-checked): 撤销标记 — a 「已报送更正」 marked by mistake taken
 * back (`record`): the correction is owed again; audited.
 */
export async function transfersUnmark(c: PageContext): Promise<void> {
  const unit = await archivistUnit(c);
  if (!unit) return;
  const recordId = formRecord(c);
  if (recordId === undefined) return showTransfers(c, unit, STALE_BUTTON, 400);
  const res = await unreportTransferCorrection(
    { db: c.deps.db, clock: c.deps.clock },
    { unitPath: unit.path, recordId, actor: c.viewer.openId, source: 'page' },
  );
  const ok = res.status === 'unmarked';
  await showTransfers(c, unit, { ok, message: res.message }, ok ? 200 : 409);
}

const STALE_BUTTON: Result = { ok: false, message: '这个按钮已失效，请刷新页面' };

/** The form's retired 档号 (`record`, an archive_records id), when it is one. */
const formRecord = (c: PageContext): number | undefined =>
  /^[1-9][0-9]{0,14}$/.test(c.form.record ?? '') ? Number(c.form.record) : undefined;

/** The unit, when the viewer may see it (else 404) and is its archivist or admin (else 403, said). */
async function archivistUnit(c: PageContext): Promise<UnitRow | undefined> {
  const unit = await visibleUnit(c, c.params.id!);
  if (holdsRole(c.viewer, unit.path, EDIT_ROLES)) return unit;
  page(c.koa, 403, messagePage('不能查看', '只有档案员或管理员可以查看移交包记录。', c.viewer));
  return undefined;
}

/** Rows a page of each list shows: packages, and 移交后变更 (owed, reported). */
export const PACKAGES_PER_PAGE = 20;
export const CHANGES_PER_PAGE = 50;

/** `?packages_after=` / `?owed_after=` / `?reported_after=`: the page after that row (an id). */
function cursor(c: PageContext, name: string): number | undefined {
  const v = c.koa.query[name];
  return typeof v === 'string' && /^[1-9][0-9]{0,14}$/.test(v) ? Number(v) : undefined;
}

/** This page with one list's cursor set (`after`) or back at its first, the other lists kept. */
function listUrl(c: PageContext, unit: UnitRow, name: string, anchor: string, after?: number): string {
  const q = new URLSearchParams(c.koa.querystring);
  if (after === undefined) q.delete(name);
  else q.set(name, String(after));
  const query = q.toString();
  return `/units/${unit.id}/transfers${query ? `?${query}` : ''}#${anchor}`;
}

/**
 * A list's page and its pager (「第 21—40 项，共 N 项」, 「还有 N 项，下一页 ›」), so years of packages and
 * changes never make one endless page.
 */
function pagedList<T>(
  c: PageContext,
  unit: UnitRow,
  name: string,
  anchor: string,
  page: ListPage<T>,
  lastId: (row: T) => number,
) {
  const first = page.total - page.more - page.rows.length + 1;
  return listPager(anchor, {
    first,
    shown: page.rows.length,
    total: page.total,
    firstUrl: listUrl(c, unit, name, anchor),
    nextUrl: page.more > 0 ? listUrl(c, unit, name, anchor, lastId(page.rows.at(-1)!)) : undefined,
  });
}

async function showTransfers(c: PageContext, unit: UnitRow, result?: Result, status = 200): Promise<void> {
  const { db } = c.deps;
  // A page after a POST starts every list at its first page (the query is the form's, not a cursor).
  const at = (name: string) => (c.koa.method === 'GET' ? cursor(c, name) : undefined);
  const packagesRead = transferPackagesPage(db, unit.path, {
    limit: PACKAGES_PER_PAGE,
    after: at('packages_after'),
  });
  const [packages, parts, owed, reported, edits] = await Promise.all([
    packagesRead,
    // A package from above: how many of its 件 are this unit's (its page counts the part the same way).
    packagesRead.then((p) =>
      unitsOfPackages(
        db,
        p.rows.filter((r) => r.fromAbove).map((r) => r.id),
      ),
    ),
    transferChangesPage(db, unit.path, { reported: false, limit: CHANGES_PER_PAGE, after: at('owed_after') }),
    transferChangesPage(db, unit.path, {
      reported: true,
      limit: CHANGES_PER_PAGE,
      after: at('reported_after'),
    }),
    recordEditsAfterTransfer(db, { unitPath: unit.path, limit: CHANGES_PER_PAGE }),
  ]);
  const owedPager = pagedList(c, unit, 'owed_after', 'owed', owed, (ch) => ch.recordId);
  const reportedPager = pagedList(c, unit, 'reported_after', 'reported', reported, (ch) => ch.recordId);
  const packagesPager = pagedList(c, unit, 'packages_after', 'packages', packages, (p) => p.id);
  const title = `${unit.name} 移交包`;
  const body = html`${await crumbs(c, unit.path, '移交包')}
    <h1>${title}</h1>
    ${
      result
        ? html`<div class="card" id="transfers-result" role="status">
            <span class="${result.ok ? 'ok' : 'bad'}">${result.message}</span>
          </div>`
        : ''
    }
    <h2>移交后变更（待报送 <span id="owed-count">${owed.total}</span>）</h2>
    <p class="muted">
      已记录移交的包里、移交后停用的档号：县档案馆保存的移交包中仍是原档号，需要报送更正（档号停用及原因）。报送后点「已报送更正」（可写明报送方式，如函件文号）；点错了可在已报送的列表里撤销标记。
    </p>
    ${owedPager.range}
    <div id="owed">
      ${
        owed.rows.length === 0
          ? html`<div class="card muted">${owed.total > 0 ? '后面没有了。' : '没有待报送的更正。'}</div>`
          : ''
      }
      ${owed.rows.map((ch) => changeCard(c, unit, ch))}
    </div>
    ${owedPager.more}
    ${
      reported.total > 0
        ? html`<details id="reported" ${cursor(c, 'reported_after') !== undefined ? 'open' : ''}>
            <summary>已报送更正（${reported.total}）</summary>
            ${reportedPager.range} ${reported.rows.map((ch) => changeCard(c, unit, ch))} ${reportedPager.more}
          </details>`
        : ''
    }
    ${recordEditsSection(edits, {
      when: (d) => dateTime(d, c.deps.clock.now(), c.deps.timeZone),
      withPackage: true,
      intro:
        '移交后档号不变、但著录已改或有文件撤回的件：县档案馆保存的移交包中仍是改动前的著录和文件。下一个移交包的说明文件会列出这些改动，该包记录移交后这里不再列出。',
    })}
    <h2>移交包记录（<span id="packages-count">${packages.total}</span>）</h2>
    ${packagesPager.range}
    <div id="packages">
      ${
        packages.rows.length === 0
          ? html`<div class="card muted">
              ${packages.total > 0 ? '后面没有了。' : '还没有导出过移交包。'}
            </div>`
          : ''
      }
      ${packages.rows.map((p) =>
        packageCard(c, p, p.fromAbove ? recordsWithin(parts.get(p.id) ?? [], [unit.path]) : undefined),
      )}
    </div>
    ${packagesPager.more}`;
  page(c.koa, status, layout(title, c.viewer, body));
}

function changeCard(c: PageContext, unit: UnitRow, ch: ChangeAfterTransfer): Html {
  const { timeZone } = c.deps;
  const now = c.deps.clock.now();
  const r = ch.reported;
  return html`<div class="card" data-record="${ch.recordId}">
    <div>
      <a href="/items/${ch.itemId}"><s>${ch.archivalCode}</s></a>
    </div>
    <div>
      随<a href="${packagePath(ch.packageId)}">移交包 #${ch.packageId}</a
      >（${dateTime(ch.packageAt, now, timeZone)}）移交
    </div>
    <div>
      ${dateTime(ch.withdrawnAt, now, timeZone)}
      档号停用${ch.withdrawnReason ? `：${ch.withdrawnReason}` : ''}；
      ${ch.reconfirmedAs ? `现档号 ${ch.reconfirmedAs}` : '尚未重新确认归档'}
    </div>
    ${
      ch.statedIn
        ? html`<div class="muted">
            已写入<a href="${packagePath(ch.statedIn)}">移交包 #${ch.statedIn}</a>
            的说明文件${ch.statedHanded ? '' : html`<span class="unhanded">（未移交）</span>`}
          </div>`
        : ''
    }
    ${
      r
        ? html`<div class="ok">
              已报送更正（${r.byName ?? (r.by === 'cli' ? '命令行' : unnamedPerson(r.by))}，${dateTime(r.at, now, timeZone)}）
            </div>
            ${r.note ? html`<div class="report-note">报送方式：${r.note}</div>` : ''}
            <form
              class="unmark"
              method="post"
              action="/units/${unit.id}/transfers/unmark"
              data-confirm="撤销 ${ch.archivalCode} 的「已报送更正」标记？撤销后这条更正重新列为待报送。"
            >
              <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
              <input type="hidden" name="record" value="${ch.recordId}" />
              <button type="submit" class="sec">撤销标记</button>
            </form>`
        : html`<form
            class="report"
            method="post"
            action="/units/${unit.id}/transfers"
            data-confirm="确认 ${ch.archivalCode} 的更正已报送县档案馆？"
          >
            <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
            <input type="hidden" name="record" value="${ch.recordId}" />
            <input
              name="note"
              maxlength="${NOTE_MAX}"
              placeholder="报送方式（选填），如函件文号"
              aria-label="报送方式"
              style="width:100%;box-sizing:border-box;padding:4px;font-size:15px;margin:4px 0"
            />
            <button type="submit">已报送更正</button>
          </form>`
    }
  </div>`;
}

/** `part`: of a package from above, how many of its 件 are of the page's unit (and below it). */
function packageCard(c: PageContext, p: PackageOfSubtree, part?: number): Html {
  const now = c.deps.clock.now();
  // An older package's size was not recorded: the row says nothing of it.
  const size = packageSizeText(p);
  const state = handoverText(p, (d) => plainDate(d, now, c.deps.timeZone));
  const where = p.sentAt
    ? `${sentWhereText(p.sentChatId)}（${dateTime(p.sentAt, now, c.deps.timeZone)}）`
    : '保存在服务器上';
  // The whole package is downloaded by its page's whole viewers only (not by a unit below it carried).
  const download = holdsRole(c.viewer, p.unitPath, EDIT_ROLES)
    ? html` ·
        <a class="download-package" href="${packageDownloadPath(p.id)}" download
          >${p.preCheck ? '下载预检包（不得移交）' : '下载'}</a
        >`
    : '';
  return html`<div class="card" data-package="${p.id}">
    <div>
      <a href="${packagePath(p.id)}"><b>#${p.id}</b></a> ${dateTime(p.createdAt, now, c.deps.timeZone)} ·
      ${p.unitName} ${p.year}年度
      ${p.preCheck ? html`<span class="bad">预检包（四性检测不通过，不得移交）</span>` : '移交包'}
      ${state ? html`· <span class="handover" data-state="${p.voidedAt ? 'voided' : p.handedAt ? 'handed' : 'made'}">${state}</span>` : ''}
    </div>
    <div>
      ${
        // A package from above carried this unit's 件 among others': its figures are the whole package's.
        // Its part first (本单位 N 件: of the page's unit and below, counted as the package's page counts it).
        p.fromAbove
          ? html`<span class="part">本单位 ${part ?? 0} 件</span> · <span class="whole">整个包：</span>`
          : ''
      }全宗
      ${p.fondsCodes} · ${p.records} 件${size ? ` · ${size}` : ''} · 数字摘要
      <code>${p.digest.slice(0, 12)}…</code>
    </div>
    <div class="muted">
      ${p.source === 'cli' ? '命令行导出' : `群聊导出（${p.actorName ?? unnamedPerson(p.actor)}）`}；${where}${download}
    </div>
    <div>
      <a class="open-package" href="${packagePath(p.id)}"
        >${p.fromAbove ? '本单位在包里的件、移交后的变更 ›' : '包里有什么、移交后的变更 ›'}</a
      >
    </div>
  </div>`;
}
