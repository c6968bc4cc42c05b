import type { RecordEditAfterTransfer } from '../../db/repos/transfer-record-edits.js';
import { recordEditText } from '../../domain/record-edit.js';
import { packagePath } from '../../domain/transfer-changes.js';
import { html, type Html } from './html.js';

/**
 * 移交后变更 of the second kind (著录已改, 文件已撤回): records a 移交包 carried whose 档号 stayed but whose
 * 著录 was changed or some of whose files were recalled since, each with when and what
 * (recordEditText); `withPackage`: each names the package that carried it (the unit's 移交包 page; a
 * package's own page is that package). Shown on the 移交包 page and a package's page alike.
 */
export function recordEditsSection(
  edits: { rows: RecordEditAfterTransfer[]; total: number },
  o: { when: (d: Date) => string; withPackage: boolean; intro: string },
): Html {
  return html`<h2>移交后变更：著录已改、文件已撤回（<span id="edited-count">${edits.total}</span>）</h2>
    <p class="muted">${o.intro}</p>
    <div id="edited">
      ${edits.total === 0 ? html`<div class="card muted">没有。</div>` : ''}
      ${edits.rows.map(
        (e) =>
          html`<div class="card" data-record="${e.recordId}" data-kind="${e.kind}">
            <div><a href="/items/${e.itemId}">${e.archivalCode}</a></div>
            ${
              o.withPackage
                ? html`<div>
                    随<a href="${packagePath(e.packageId)}">移交包 #${e.packageId}</a
                    >（${o.when(e.packageAt)}）移交
                  </div>`
                : ''
            }
            <div class="edit">${o.when(e.at)} ${recordEditText(e)}；档号不变</div>
          </div>`,
      )}
      ${
        edits.total > edits.rows.length
          ? html`<p class="muted">只列出最早的 ${edits.rows.length} 项，共 ${edits.total} 项。</p>`
          : ''
      }
    </div>`;
}
