import { getUnitById, topUnits } from '../db/repos/units.js';
import { reportFileName } from '../domain/four-properties-run-id.js';
import { findRun, openRunReport, type FoundRun } from '../usecases/four-properties-run-folder.js';
import { page } from './web-app.js';
import { canSee, holdsRole, NotFound, type PageContext } from './web-context.js';
import { EDIT_ROLES } from './pages/compilation-view.js';
import { messagePage } from './pages/layout.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * A link to a run that is not (or no longer) on the server, or was never a run's. Its folder is what
 * said which run it was, so the way to a new report is given for both: a unit's check asked in chat,
 * and the weekly check of the whole archive, which no chat command runs.
 */
export const runGoneText =
  '找不到这份四性检测报告：链接不完整，或报告已从服务器上移走或删除。单位的检测可在工作群里重新发送「四性检测」；全部单位的检测每周自动做一次，请等下一次的结果。';

/**
 * GET /four-properties/report?run=<id> — one four-properties run's Excel report (the link a result too
 * big for the chat gives), streamed with its size and the chat's file name (RFC 5987 for the Chinese).
 * The id names a folder directly under the reports folder, never a path. Who may: an archivist or admin
 * of the unit checked or above it, as for 四性检测 in chat; of every top unit for a whole-archive run.
 * Anyone else who sees the unit is told (403); a unit outside theirs is the not-found page.
 */
export async function fourPropertiesDownload(c: PageContext): Promise<void> {
  const run = await findRun(c.deps.reportsDir, c.koa.query.run);
  if (!run) return gone(c);
  const refused = await refusal(c, run);
  if (refused === 'gone') return gone(c);
  if (refused) {
    page(c.koa, 403, messagePage('不能下载', refused, c.viewer));
    return;
  }
  const report = await openRunReport(run);
  if (!report) return gone(c);
  c.koa.attachment(reportFileName(run.id));
  c.koa.type = XLSX_TYPE;
  c.koa.set('Cache-Control', 'private, no-store');
  c.koa.length = report.size;
  c.koa.body = report.stream;
}

function gone(c: PageContext): void {
  page(c.koa, 404, messagePage('找不到检测报告', runGoneText, c.viewer));
}

/** Why the viewer may not have this run's report (undefined: they may; 'gone': its unit is). */
async function refusal(c: PageContext, run: FoundRun): Promise<string | 'gone' | undefined> {
  if (run.scope.unitId !== undefined) {
    const unit = await getUnitById(c.deps.db, run.scope.unitId);
    if (!unit) return 'gone';
    if (holdsRole(c.viewer, unit.path, EDIT_ROLES)) return undefined;
    if (!canSee(c.viewer, unit.path)) throw new NotFound();
    return `只有${unit.name}或上级单位的档案员、管理员可以下载它的四性检测报告。`;
  }
  // The whole archive: every unit's 件, so only whoever holds the role on every top unit.
  const tops = await topUnits(c.deps.db);
  if (tops.length > 0 && tops.every((u) => holdsRole(c.viewer, u.path, EDIT_ROLES))) return undefined;
  const names = tops.map((u) => u.name).join('、') || '最上级单位';
  // Several top units (counties): a role on one of them is not enough, and the text says so.
  const who = tops.length > 1 ? `在${names}都是档案员或管理员的人` : `${names}的档案员、管理员`;
  return `这份四性检测报告查的是全部单位，只有${who}可以下载。`;
}
