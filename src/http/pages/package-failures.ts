import { sql } from 'drizzle-orm';
import { packageReport } from '../../archive/package-report.js';
import { queryRows } from '../../db/client.js';
import { exportAgainCommand, sentAs } from '../../domain/export-again.js';
import { failingItems, type FailingItem } from '../../domain/four-properties.js';
import { canSee, type PageContext } from '../web-context.js';
import { html, type Html } from './html.js';
import type { Seen } from './package-access.js';

/** Failing items the page lists; the rest are counted (the package's 其他/四性检测报告.xlsx has them all). */
export const FAILURES_SHOWN = 50;

/** The units (paths) of these items, to link those the viewer may see and keep a part's view to its part. */
async function itemPaths(c: PageContext, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows<{ id: number | string; path: string }>(
    c.deps.db,
    sql`select fi.id::int as id, u.path from filing_items fi join units u on u.id = fi.unit_id
        where fi.id = any(${`{${ids.join(',')}}`}::bigint[])`,
  );
  return new Map(rows.map((r) => [Number(r.id), r.path]));
}

/**
 * A 预检包's 四性 failures and what to do: each failing item and kind of problem (the 导出 answer's lines,
 * the item linked to its page), read from the report in the package's folder (the database records only
 * that the check failed); then the next step — correct the items, then 导出 again, the exact command. A
 * viewer of their part sees only their units' items (and those naming no item), the others counted.
 */
export async function failuresSection(c: PageContext, seen: Seen): Promise<Html | ''> {
  const { pkg, paths } = seen;
  if (!pkg.preCheck) return '';
  const read = await packageReport(pkg);
  const command = exportAgainCommand(pkg.unitName, pkg.year);
  const fix =
    '把上面列出的件改正（打开件的页面更正著录，或重新上传材料；文件损坏或缺失的，请系统管理员从备份恢复）';
  // A viewer of their part cannot export the unit above: they correct theirs and ask its archivist.
  const next = html`<div class="card" id="next-step">
    <b>下一步：</b>${fix}，${
      paths
        ? `再请${pkg.unitName}的档案员在工作群里发送「${sentAs(command, 'group')}」重新导出。`
        : `然后在${pkg.unitName}的工作群里发送「${sentAs(command, 'group')}」（私聊机器人时发送「${sentAs(command, 'direct')}」）重新导出。`
    }新的包四性检测通过后才是移交包，这个预检包不要移交。
  </div>`;
  if (read.state !== 'read')
    return html`<h2>四性检测不通过的项目</h2>
      <div class="card bad" id="failures-unread">
        ${
          read.state === 'gone'
            ? '检测报告在包的文件夹里，但服务器上已找不到这个文件夹，读不到不通过的项目。'
            : read.state === 'changed'
              ? '检测报告在包的文件夹里，但文件夹已和导出时不一样，读不到这个包的检测结果。'
              : '包里的检测报告读不出来。'
        }重新导出会重新检测，并列出不通过的项目。
      </div>
      ${next}`;
  const all = failingItems(read.report);
  const where = await itemPaths(c, [
    ...new Set(all.map((f) => f.itemId).filter((i): i is number => i !== null)),
  ]);
  const inPart = (f: FailingItem) => {
    if (!paths || f.itemId === null) return true;
    const p = where.get(f.itemId);
    return p !== undefined && paths.some((q) => p.startsWith(q));
  };
  const mine = all.filter(inPart);
  const others = all.length - mine.length;
  const shown = mine.slice(0, FAILURES_SHOWN);
  const line = (f: FailingItem) => {
    const p = f.itemId === null ? undefined : where.get(f.itemId);
    return html`<div data-failure>
      ${p !== undefined && canSee(c.viewer, p) ? html`<a href="/items/${f.itemId}">${f.what}</a>` : f.what}：${f.label}
    </div>`;
  };
  return html`<h2>四性检测不通过的项目（<span id="failures-count">${mine.length}</span>）</h2>
    <div class="card" id="failures">
      ${mine.length === 0 ? html`<div class="muted">没有列出的项目。</div>` : ''} ${shown.map(line)}
      ${
        mine.length > shown.length
          ? html`<div class="muted">
              另有 ${mine.length - shown.length} 项，见包内 其他/四性检测报告.xlsx。
            </div>`
          : ''
      }
      ${others > 0 ? html`<div class="muted" id="failures-others">其他单位的件另有 ${others} 项。</div>` : ''}
    </div>
    ${next}`;
}
