import { packageOnDisk } from '../../archive/package-on-disk.js';
import {
  chatBoundWithin,
  neighbourPackages,
  packageChanges,
  packageClasses,
  recordsWithin,
  type NeighbourPackage,
} from '../../db/repos/transfer-package-detail.js';
import type { ChangeAfterTransfer } from '../../db/repos/transfer-packages.js';
import { packageSizeText } from '../../domain/package-size-text.js';
import { unnamedPerson } from '../../domain/person-name.js';
import { packageDownloadPath, packagePath, sentDirectly } from '../../domain/transfer-changes.js';
import { folderProblemText, wholeOnlyText } from '../package-download.js';
import { canSee, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { dateTime } from './format.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';
import { visiblePackage, type Seen } from './package-access.js';
import { failuresSection } from './package-failures.js';
import { handoverSection } from './package-handover.js';
import { crumbs } from './unit-view.js';
import { recordEditsAfterTransfer } from '../../db/repos/transfer-record-edits.js';
import { recordEditsSection } from './record-edits-section.js';

/** Changes each list of the page shows (the unit's 移交包 page lists them all, a page at a time). */
export const PACKAGE_CHANGES_SHOWN = 100;

/**
 * GET /transfers/:id — one recorded package (archivists and admins): what it is (scope, when, who, 移交包
 * or 预检包, 件 count, size on disk (未记录 for an older one), folder, 数字摘要, sent to which chat), the units and 档号 ranges it carried, the
 * 移交后变更 its 说明文件 stated, its 档号 retired since, and the packages of the same unit and year before
 * and after it. An archivist of a unit whose 件 a package above carried (the unit's 移交包 page lists it)
 * sees the package with only their units' part: their 件 count beside the whole package's, what is the
 * whole package's (scope, check, format, folder, 数字摘要) labelled 「整个包」, and the chat it was sent to
 * named only when it is one of their units' chats (a township's group they may not be in is not named).
 * Its 下载 (http/package-download.ts) is offered to the whole package's viewers; a 预检包 lists its 四性
 * failures by item and the next step (pages/package-failures.ts).
 */
export async function packagePage(c: PageContext): Promise<void> {
  const seen = await visiblePackage(c);
  if (seen) await showPackage(c, seen);
}

/** The page, with what a POST on it did (`result`: 已移交 / 作废, pages/package-handover.ts). */
export async function showPackage(
  c: PageContext,
  seen: Seen,
  result?: { ok: boolean; message: string },
  status = 200,
): Promise<void> {
  const { db } = c.deps;
  const { pkg, paths } = seen;
  const opts = { paths, limit: PACKAGE_CHANGES_SHOWN };
  const [classes, stated, retired, neighbours, chatNamed, download, failures, edits] = await Promise.all([
    packageClasses(db, pkg.id, paths),
    packageChanges(db, pkg.id, 'stated', opts),
    packageChanges(db, pkg.id, 'retired-since', opts),
    // Of the same unit and year: an archivist of a unit below it sees only their part, not these.
    paths ? Promise.resolve({}) : neighbourPackages(db, pkg),
    // A partial view names only a chat of the viewer's own units, never the exporting unit's group.
    paths && pkg.sentChatId && !sentDirectly(pkg.sentChatId)
      ? chatBoundWithin(db, pkg.sentChatId, paths)
      : Promise.resolve(true),
    downloadLine(seen),
    // A 预检包: what failed, on which item, and what to do next.
    failuresSection(c, seen),
    // 著录已改 / 文件已撤回 since a 移交包 (a 预检包 went to nobody).
    pkg.preCheck
      ? Promise.resolve({ rows: [], total: 0 })
      : recordEditsAfterTransfer(db, {
          packageId: pkg.id,
          ...(paths ? { unitPaths: paths } : {}),
          limit: PACKAGE_CHANGES_SHOWN,
        }),
  ]);
  const now = c.deps.clock.now();
  const when = (d: Date) => dateTime(d, now, c.deps.timeZone);
  const kind = pkg.preCheck ? '预检包' : '移交包';
  const title = `${kind} #${pkg.id}`;
  // In a partial view what is the whole package's is labelled so; the 件 count is the viewer's part.
  const whole = (label: string) => (paths ? `${label}（整个包）` : label);
  const part = paths ? recordsWithin(seen.units, paths) : pkg.records;
  const body = html`${await crumbs(c, pkg.unitPath, title)}
    <h1>${title}</h1>
    <p><a id="back-to-list" href="${seen.listPath}">‹ 全部移交包和移交后变更</a></p>
    ${
      paths
        ? html`<div class="card muted" id="part">
            这个${kind}由${pkg.unitName}导出，其中有${seen.partName}的件。件数和下面的单位、档号、变更只算${seen.partName}的部分；标着「整个包」的是整个包的情况。
          </div>`
        : ''
    }
    <div class="card" id="package">
      <dl>
        <dt>${whole('范围')}</dt>
        <dd>${pkg.unitName} ${pkg.year}年度 · 全宗 ${pkg.fondsCodes}</dd>
        <dt>${whole('四性检测')}</dt>
        <dd id="check">
          ${
            pkg.preCheck
              ? html`<span class="bad">不通过：这是预检包，不得移交</span>`
              : html`<span class="ok">通过</span>`
          }
        </dd>
        <dt>导出</dt>
        <dd>
          ${when(pkg.createdAt)} ·
          ${pkg.source === 'cli' ? '命令行导出' : `群聊导出（${pkg.actorName ?? unnamedPerson(pkg.actor)}）`}
        </dd>
        <dt>件数</dt>
        <dd id="records">
          ${paths ? `${seen.partName} ${part} 件（整个${kind} ${pkg.records} 件）` : `${pkg.records} 件`}
        </dd>
        <dt>${whole('大小')}</dt>
        <dd id="size">${packageSizeText(pkg) ?? '未记录'}</dd>
        <dt>${whole('格式')}</dt>
        <dd>${pkg.layout === 'bag' ? 'BagIt 封装' : '载体目录'}</dd>
        <dt>${whole('保存位置')}</dt>
        <dd id="out-dir">服务器上的文件夹 <code>${pkg.outDir}</code></dd>
        <dt>下载</dt>
        <dd id="download">${download}</dd>
        <dt>${whole('数字摘要')}</dt>
        <dd id="digest"><code>${pkg.digest}</code></dd>
        <dt>发送</dt>
        <dd id="sent">
          ${
            !pkg.sentAt
              ? '没有发到群里，只在服务器上'
              : sentDirectly(pkg.sentChatId)
                ? `已私信发给导出人（${when(pkg.sentAt)}）`
                : chatNamed && pkg.sentChatName
                  ? `已发送到群「${pkg.sentChatName}」（${when(pkg.sentAt)}）`
                  : chatNamed
                    ? `已发送到群（${when(pkg.sentAt)}）`
                    : `已发送到导出人所在的群（${when(pkg.sentAt)}）`
          }
        </dd>
      </dl>
    </div>
    ${handoverSection(c, seen, result)} ${failures} ${neighbourLines(seen, neighbours, when)}
    <h2>包含的单位（${seen.units.length}）</h2>
    <div class="card" id="units">
      ${
        seen.units.length === 0
          ? html`<span class="muted">包里没有有效档号。</span>`
          : seen.units.map(
              (u) =>
                html`<div data-unit="${u.id}">
                  ${canSee(c.viewer, u.path) ? html`<a href="/units/${u.id}">${u.name}</a>` : u.name} ·
                  ${u.records} 件
                </div>`,
            )
      }
    </div>
    <h2>档号范围</h2>
    <div id="classes">
      ${classes.length === 0 ? html`<div class="card muted">没有档号。</div>` : ''}
      ${classes.map(
        (k) =>
          html`<div class="card" data-class="${k.classKey}">
            <div><code>${k.firstCode}</code></div>
            ${k.lastPiece > k.firstPiece ? html`<div>至 <code>${k.lastCode}</code></div>` : ''}
            <div class="muted">
              ${k.records}
              件${
                k.records < k.lastPiece - k.firstPiece + 1
                  ? `（其间 ${k.lastPiece - k.firstPiece + 1 - k.records} 个件号不在包内：已停用或属于其他单位）`
                  : ''
              }
            </div>
          </div>`,
      )}
    </div>
    <h2>本包说明的移交后变更（<span id="stated-count">${stated.total}</span>）</h2>
    <p class="muted">
      之前的移交包移交后停用的档号，写在这个包的说明文件里（每项只在一个移交包中说明一次）。
    </p>
    <div id="stated">
      ${stated.total === 0 ? html`<div class="card muted">没有。</div>` : ''}
      ${stated.rows.map((ch) => statedCard(ch, when))} ${shownOf(stated, seen.listPath)}
    </div>
    ${
      pkg.preCheck
        ? ''
        : html`<h2>移交后停用的档号（<span id="retired-count">${retired.total}</span>）</h2>
            <p class="muted">
              这个包移交后撤销确认或撤回的件：县档案馆保存的这个包中仍是原档号，需要报送更正（只算已记录移交的包）。
            </p>
            <div id="retired">
              ${retired.total === 0 ? html`<div class="card muted">没有。</div>` : ''}
              ${retired.rows.map((ch) => retiredCard(ch, when))} ${shownOf(retired, seen.listPath)}
            </div>
            ${recordEditsSection(edits, {
              when,
              withPackage: false,
              intro:
                '这个包移交后档号不变、但著录已改或有文件撤回的件：县档案馆保存的这个包中仍是改动前的著录和文件。下一个移交包的说明文件会列出这些改动，该包记录移交后这里不再列出。',
            })}`
    }`;
  page(c.koa, status, layout(title, c.viewer, body));
}

/**
 * 下载: the whole package's viewers get the link (a 预检包's says it is not to be handed over), unless its
 * folder is gone or no longer the package recorded (a quick look: the 数字摘要清单's hash; the download
 * checks every file's size too); a viewer of their part only is told who may.
 */
async function downloadLine({ pkg, paths }: Seen): Promise<Html> {
  if (paths) return html`<span class="muted">${wholeOnlyText(pkg.unitName)}</span>`;
  const disk = await packageOnDisk(pkg, { quick: true });
  if (disk.state !== 'whole')
    return html`<span class="bad" id="download-problem">${folderProblemText(disk)}</span>`;
  return html`<a id="download-link" href="${packageDownloadPath(pkg.id)}" download
    >${pkg.preCheck ? '下载预检包（ZIP，只供检查和整改，不得移交）' : '下载移交包（ZIP）'}</a
  >`;
}

/** The package of the same unit and year made before this one, and the one made after it. */
function neighbourLines(
  seen: Seen,
  n: { before?: NeighbourPackage; after?: NeighbourPackage },
  when: (d: Date) => string,
): Html | '' {
  if (!n.before && !n.after) return '';
  const link = (p: NeighbourPackage) =>
    html`<a href="${packagePath(p.id)}">${p.preCheck ? '预检包' : '移交包'} #${p.id}</a
      >（${when(p.createdAt)}）`;
  return html`<div class="card" id="neighbours">
    ${
      n.after
        ? html`<div id="next-package">
            之后又导出了${seen.pkg.unitName} ${seen.pkg.year}年度的 ${link(n.after)}
          </div>`
        : ''
    }
    ${n.before ? html`<div id="previous-package">之前的一个：${link(n.before)}</div>` : ''}
  </div>`;
}

/** 「只列出前 100 项」 when a list is longer than the page shows. */
function shownOf(list: { rows: unknown[]; total: number }, listPath: string): Html | '' {
  if (list.total <= list.rows.length) return '';
  return html`<p class="muted">
    只列出前 ${list.rows.length} 项，共 ${list.total} 项；全部见 <a href="${listPath}">移交后变更</a>。
  </p>`;
}

function withdrawnLine(ch: ChangeAfterTransfer, when: (d: Date) => string): Html {
  return html`<div>
    ${when(ch.withdrawnAt)} 档号停用${ch.withdrawnReason ? `：${ch.withdrawnReason}` : ''}；
    ${ch.reconfirmedAs ? `现档号 ${ch.reconfirmedAs}` : '尚未重新确认归档'}
  </div>`;
}

/** 更正已报送 (when, and how: the note the archivist wrote, such as a letter's 文号), or 未报送. */
const reportedLine = (ch: ChangeAfterTransfer, when: (d: Date) => string): Html =>
  ch.reported
    ? html`<div class="ok">更正已报送（${when(ch.reported.at)}）</div>
        ${ch.reported.note ? html`<div class="report-note">报送方式：${ch.reported.note}</div>` : ''}`
    : html`<div class="bad">更正未报送</div>`;

function statedCard(ch: ChangeAfterTransfer, when: (d: Date) => string): Html {
  return html`<div class="card" data-record="${ch.recordId}">
    <div>
      <a href="/items/${ch.itemId}"><s>${ch.archivalCode}</s></a>
    </div>
    <div>
      原随 <a href="${packagePath(ch.packageId)}">移交包 #${ch.packageId}</a>（${when(ch.packageAt)}）移交
    </div>
    ${withdrawnLine(ch, when)} ${reportedLine(ch, when)}
  </div>`;
}

function retiredCard(ch: ChangeAfterTransfer, when: (d: Date) => string): Html {
  return html`<div class="card" data-record="${ch.recordId}">
    <div>
      <a href="/items/${ch.itemId}"><s>${ch.archivalCode}</s></a>
    </div>
    ${withdrawnLine(ch, when)} ${reportedLine(ch, when)}
    ${
      ch.statedIn
        ? html`<div class="muted">
            已写入
            <a href="${packagePath(ch.statedIn)}">移交包 #${ch.statedIn}</a>
            的说明文件${ch.statedHanded ? '' : html`<span class="unhanded">（未移交）</span>`}
          </div>`
        : html`<div class="muted">还没有写入之后的移交包</div>`
    }
  </div>`;
}
