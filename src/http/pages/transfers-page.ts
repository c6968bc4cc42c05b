import {
  changesAfterTransfer,
  listTransferPackages,
  type ChangeAfterTransfer,
  type TransferPackageRow,
} from '../../db/repos/transfer-packages.js';
import type { UnitRow } from '../../db/repos/units.js';
import { unnamedPerson } from '../../domain/person-name.js';
import { reportTransferCorrection } from '../../usecases/report-transfer-correction.js';
import { holdsRole, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { EDIT_ROLES } from './compilation-view.js';
import { dateTime } from './format.js';
import { html, type Html } from './html.js';
import { layout, messagePage } from './layout.js';
import { crumbs, visibleUnit } from './unit-view.js';

type Result = { ok: boolean; message: string };

/**
 * GET /units/:id/transfers — 移交包 (archivists and admins): the 移交后变更 still owed to the county
 * archive, each with 「已报送更正」, those reported (who, when), and the recorded packages of the unit's
 * subtree (or of a unit above that carried its 件), newest first.
 */
export async function transfersPage(c: PageContext): Promise<void> {
  const unit = await archivistUnit(c);
  if (unit) await showTransfers(c, unit);
}

/** POST /units/:id/transfers (CSRF-checked): 「已报送更正」 for one retired 档号 (`record`), audited. */
export async function transfersReport(c: PageContext): Promise<void> {
  const unit = await archivistUnit(c);
  if (!unit) return;
  const recordId = Number(c.form.record);
  if (!/^[1-9][0-9]{0,14}$/.test(c.form.record ?? ''))
    return showTransfers(c, unit, { ok: false, message: '这个按钮已失效，请刷新页面' }, 400);
  const res = await reportTransferCorrection(
    { db: c.deps.db, clock: c.deps.clock },
    { unitPath: unit.path, recordId, actor: c.viewer.openId, source: 'page' },
  );
  await showTransfers(
    c,
    unit,
    { ok: res.status === 'reported', message: res.message },
    res.status === 'reported' ? 200 : 409,
  );
}

/** The unit, when the viewer may see it (else 404) and is its archivist or admin (else 403, said). */
async function archivistUnit(c: PageContext): Promise<UnitRow | undefined> {
  const unit = await visibleUnit(c, c.params.id!);
  if (holdsRole(c.viewer, unit.path, EDIT_ROLES)) return unit;
  page(c.koa, 403, messagePage('不能查看', '只有档案员或管理员可以查看移交包记录。', c.viewer));
  return undefined;
}

async function showTransfers(c: PageContext, unit: UnitRow, result?: Result, status = 200): Promise<void> {
  const { db } = c.deps;
  const packages = await listTransferPackages(db, { unitPath: unit.path, carrying: true });
  // One line per retired 档号 (a number two packages carried is listed with the first).
  const seen = new Set<number>();
  const changes = (await changesAfterTransfer(db, { unitPath: unit.path })).filter(
    (ch) => !seen.has(ch.recordId) && seen.add(ch.recordId),
  );
  const owed = changes.filter((ch) => !ch.reported);
  const reported = changes.filter((ch) => ch.reported);
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
    <h2>移交后变更（待报送 <span id="owed-count">${owed.length}</span>）</h2>
    <p class="muted">
      移交后停用的档号：县档案馆保存的移交包中仍是原档号，需要报送更正（档号停用及原因）。报送后点「已报送更正」。
    </p>
    <div id="owed">
      ${owed.length === 0 ? html`<div class="card muted">没有待报送的更正。</div>` : ''}
      ${owed.map((ch) => changeCard(c, unit, ch))}
    </div>
    ${
      reported.length > 0
        ? html`<details id="reported">
            <summary>已报送更正（${reported.length}）</summary>
            ${reported.map((ch) => changeCard(c, unit, ch))}
          </details>`
        : ''
    }
    <h2>移交包记录（${packages.length}）</h2>
    <div id="packages">
      ${packages.length === 0 ? html`<div class="card muted">还没有导出过移交包。</div>` : ''}
      ${packages.map((p) => packageCard(c, p))}
    </div>`;
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
    <div>随移交包 #${ch.packageId}（${dateTime(ch.packageAt, now, timeZone)}）移交</div>
    <div>
      ${dateTime(ch.withdrawnAt, now, timeZone)}
      档号停用${ch.withdrawnReason ? `：${ch.withdrawnReason}` : ''}；
      ${ch.reconfirmedAs ? `现档号 ${ch.reconfirmedAs}` : '尚未重新确认归档'}
    </div>
    ${
      r
        ? html`<div class="ok">
            已报送更正（${r.byName ?? (r.by === 'cli' ? '命令行' : unnamedPerson(r.by))}，${dateTime(r.at, now, timeZone)}）
          </div>`
        : html`<form method="post" action="/units/${unit.id}/transfers">
            <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
            <input type="hidden" name="record" value="${ch.recordId}" />
            <button type="submit">已报送更正</button>
          </form>`
    }
  </div>`;
}

function packageCard(c: PageContext, p: TransferPackageRow): Html {
  const now = c.deps.clock.now();
  const where = p.sentAt
    ? `已发送到群（${dateTime(p.sentAt, now, c.deps.timeZone)}）`
    : `保存在服务器：${p.outDir}`;
  return html`<div class="card" data-package="${p.id}">
    <div>
      <b>#${p.id}</b> ${dateTime(p.createdAt, now, c.deps.timeZone)} · ${p.unitName} ${p.year}年度
      ${p.preCheck ? html`<span class="bad">预检包（四性检测不通过，不得移交）</span>` : '移交包'}
    </div>
    <div>全宗 ${p.fondsCodes} · ${p.records} 件 · 数字摘要 <code>${p.digest.slice(0, 12)}…</code></div>
    <div class="muted">
      ${p.source === 'cli' ? '命令行导出' : `群聊导出（${p.actorName ?? unnamedPerson(p.actor)}）`}；${where}
    </div>
  </div>`;
}
