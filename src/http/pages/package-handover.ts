import { handoverText, packagePath } from '../../domain/transfer-changes.js';
import { DomainError } from '../../errors.js';
import {
  RECEIVER_MAX,
  VOID_REASON_MAX,
  amendPackageHandover,
  recordPackageHandover,
  undoPackageHandover,
  voidPackage,
  type PackageStateOutcome,
} from '../../usecases/record-package-handover.js';
import { localDay } from '../../domain/working-days.js';
import { plainDate } from '../../domain/plain-date.js';
import { holdsRole, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { EDIT_ROLES } from './compilation-view.js';
import { html, type Html } from './html.js';
import { messagePage } from './layout.js';
import { visiblePackage, type Seen } from './package-access.js';
import { showPackage } from './package-page.js';

type Result = { ok: boolean; message: string };

/**
 * A package's 移交 on its page (`#handover`): 已移交 (the day, who received it), 作废 (why), and for the
 * exporting unit's archivists and admins (a viewer of their part only reads the state) — made and not yet
 * handed over — 已移交 and 作废, or — handed over — 改登记 and 撤销移交.
 */
export function handoverSection(c: PageContext, seen: Seen, result?: Result): Html | '' {
  const { pkg, paths } = seen;
  const shown = result
    ? html`<div class="card" id="handover-result" role="status">
        <span class="${result.ok ? 'ok' : 'bad'}">${result.message}</span>
      </div>`
    : '';
  if (pkg.preCheck) return shown;
  const state = handoverText(pkg, (d) => plainDate(d, c.deps.clock.now(), c.deps.timeZone));
  const open = !pkg.handedAt && !pkg.voidedAt;
  const forms =
    open && !paths
      ? html`<p class="muted">
            导出只是生成了这个包。交给县档案馆后，在这里记录移交日期和接收人；只有记录了移交的包，撤销确认等改动才会列为需要报送的更正。不移交的包可以作废（服务器上的文件夹不会删除）。
          </p>
          <form
            class="handover"
            method="post"
            action="${packagePath(pkg.id)}/handover"
            data-confirm="确认移交包 #${pkg.id} 已交给县档案馆？"
          >
            <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
            <label
              >移交日期
              <input
                type="date"
                name="date"
                required
                value="${localDay(c.deps.clock.now(), c.deps.timeZone)}"
            /></label>
            <label
              >接收单位和接收人
              <input name="receiver" required maxlength="${RECEIVER_MAX}" placeholder="如：县档案馆 张三"
            /></label>
            <button type="submit">已移交</button>
          </form>
          <form
            class="void"
            method="post"
            action="${packagePath(pkg.id)}/void"
            data-confirm="作废移交包 #${pkg.id}？作废后它不再算作移交包。"
          >
            <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
            <label
              >作废原因
              <input name="reason" required maxlength="${VOID_REASON_MAX}" placeholder="如：只是查看，未移交"
            /></label>
            <button type="submit" class="sec">作废</button>
          </form>`
      : pkg.handedAt && !paths
        ? handedForms(c, seen)
        : '';
  return html`${shown}
    <div
      class="card"
      id="handover"
      data-state="${pkg.voidedAt ? 'voided' : pkg.handedAt ? 'handed' : 'made'}"
    >
      <div><b>移交：</b><span id="handover-state">${state}</span></div>
      ${forms}
    </div>`;
}

/** A handed-over package's two corrections: 改登记 (the day, the receiver) and 撤销移交 (why). */
function handedForms(c: PageContext, seen: Seen): Html {
  const { pkg } = seen;
  return html`<form
      class="amend"
      method="post"
      action="${packagePath(pkg.id)}/amend-handover"
      data-confirm="修改移交包 #${pkg.id} 的移交日期和接收人？"
    >
      <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
      <label
        >移交日期
        <input
          type="date"
          name="date"
          required
          value="${pkg.handedAt ? localDay(pkg.handedAt, c.deps.timeZone) : ''}"
      /></label>
      <label
        >接收单位和接收人
        <input name="receiver" required maxlength="${RECEIVER_MAX}" value="${pkg.handedTo ?? ''}"
      /></label>
      <button type="submit" class="sec">改登记</button>
    </form>
    <form
      class="unhand"
      method="post"
      action="${packagePath(pkg.id)}/unhand"
      data-confirm="撤销移交包 #${pkg.id} 的移交记录？它将回到已生成、未记录移交。"
    >
      <input type="hidden" name="_csrf" value="${c.viewer.csrf}" />
      <label
        >撤销原因
        <input name="reason" required maxlength="${VOID_REASON_MAX}" placeholder="如：包号点错了，没有移交"
      /></label>
      <button type="submit" class="sec">撤销移交</button>
    </form>`;
}

/** POST /transfers/:id/unhand (CSRF-checked): 撤销移交 — `reason`; the package is made again; audited. */
export async function packageUnhand(c: PageContext): Promise<void> {
  await changeState(c, (deps, who, id) =>
    undoPackageHandover(deps, { ...who, packageId: id, reason: c.form.reason ?? '' }),
  );
}

/** POST /transfers/:id/amend-handover (CSRF-checked): 改登记 — `date` and `receiver`; audited. */
export async function packageAmendHandover(c: PageContext): Promise<void> {
  await changeState(c, (deps, who, id) =>
    amendPackageHandover(deps, {
      ...who,
      packageId: id,
      day: c.form.date ?? '',
      receiver: c.form.receiver ?? '',
    }),
  );
}

/** POST /transfers/:id/handover (CSRF-checked): 已移交 — `date` (YYYY-MM-DD) and `receiver`; audited. */
export async function packageHandover(c: PageContext): Promise<void> {
  await changeState(c, (deps, who, id) =>
    recordPackageHandover(deps, {
      ...who,
      packageId: id,
      day: c.form.date ?? '',
      receiver: c.form.receiver ?? '',
    }),
  );
}

/** POST /transfers/:id/void (CSRF-checked): 作废 a package made and not handed over — `reason`; audited. */
export async function packageVoid(c: PageContext): Promise<void> {
  await changeState(c, (deps, who, id) =>
    voidPackage(deps, { ...who, packageId: id, reason: c.form.reason ?? '' }),
  );
}

type Deps = Parameters<typeof voidPackage>[0];
type Who = { actor: string; source: 'page' };

/** Only the exporting unit's archivists and admins change a package's state (not a viewer of their part). */
async function changeState(
  c: PageContext,
  run: (deps: Deps, who: Who, id: number) => Promise<PackageStateOutcome>,
): Promise<void> {
  const seen = await visiblePackage(c);
  if (!seen) return;
  if (seen.paths || !holdsRole(c.viewer, seen.pkg.unitPath, EDIT_ROLES)) {
    page(
      c.koa,
      403,
      messagePage(
        '不能记录',
        `只有${seen.pkg.unitName}的档案员或管理员可以记录这个包的移交或作废。`,
        c.viewer,
      ),
    );
    return;
  }
  const deps = { db: c.deps.db, clock: c.deps.clock, timeZone: c.deps.timeZone };
  let res: Result;
  try {
    const out = await run(deps, { actor: c.viewer.openId, source: 'page' }, seen.pkg.id);
    res = { ok: out.status === 'done', message: out.message };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    res = { ok: false, message: err.message };
  }
  // Read again: the page shows the state just recorded.
  const fresh = res.ok ? await visiblePackage(c) : seen;
  await showPackage(c, fresh ?? seen, res, res.ok ? 200 : 409);
}
