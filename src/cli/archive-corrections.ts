import type { Db } from '../db/client.js';
import { findTaskByCode } from '../db/repos/archive-items.js';
import { getFilingItem } from '../db/repos/filings.js';
import { findTasksByCode, getTaskContext } from '../db/repos/tasks.js';
import { getUnitByCode } from '../db/repos/units.js';
import { AppError } from '../errors.js';
import { loadCliSettings } from '../settings.js';
import { systemClock } from '../ports/clock.js';
import { refileItem, unfileItem } from '../usecases/refile-item.js';
import { retentionOfWord } from '../domain/checklist.js';
import { setTaskRetention } from '../usecases/set-task-retention.js';
import { waiveTask } from '../usecases/waive-task.js';
import {
  approvedOpenRequest,
  approvedOpenRequestsOfItem,
  pendingCorrectionRequest,
} from '../db/repos/correction-items.js';
import { dropApprovedRequest } from '../usecases/request-correction.js';
import type { CliContext } from './commands.js';

const usage = (text: string) => new AppError('usage', text);

/**
 * A task of the unit by its code: of the given year, else of the same campaign as `prefer`
 * (the task an item sits in), else of the newest campaign.
 */
async function taskOfUnit(
  db: Db,
  unit: { id: number; name: string },
  code: string,
  year: number | undefined,
  preferCampaignId?: number,
): Promise<number> {
  if (year !== undefined) {
    const t = await findTaskByCode(db, unit.id, code, year);
    if (!t) throw usage(`${unit.name}${year}年度没有任务 ${code}`);
    return t.id;
  }
  const hits = await findTasksByCode(db, unit.id, code.toUpperCase());
  const t = hits.find((h) => h.campaignId === preferCampaignId) ?? hits[0];
  if (!t) throw usage(`${unit.name}没有任务 ${code}`);
  return t.id;
}

/**
 * What `archive refile | unfile | waive | retention` cannot do without, checked before the database is
 * opened (the same refusals runCorrection would say after). Other subcommands pass.
 */
export function checkCorrectionLine(
  sub: string | undefined,
  v: Record<string, string | undefined>,
  itemId: number | undefined,
  year: number | undefined,
): void {
  if (sub === 'waive') {
    if (!v.unit || !v.task) throw usage('用法: archive waive --unit CODE --task 任务编号 --reason 原因');
    if (v.reopen === undefined && !v.reason?.trim()) throw usage('免交须写明原因：--reason 原因');
  } else if (sub === 'retention') {
    if (!v.unit || !v.task || year === undefined || !v.to)
      throw usage('用法: archive retention --unit CODE --task 清单项编号 --year YYYY --to 永久|30年|10年');
    if (!retentionOfWord(v.to))
      throw usage(`--to 须为 永久、30年 或 10年（也可写 Y、D30、D10），收到 "${v.to}"`);
  } else if (sub === 'refile' || sub === 'unfile') {
    if (v.request !== undefined && v['keep-request'] !== undefined)
      throw usage('--request 和 --keep-request 只能用一个');
    if (itemId === undefined)
      throw usage(`用法: archive ${sub} --item ID${sub === 'refile' ? ' --task 任务编号' : ''}`);
    if (sub === 'refile' && !v.task)
      throw usage('用法: archive refile --item ID --task 任务编号 [--year YYYY]');
  }
}

/**
 * `archive refile | unfile | waive`: an archivist's corrections from the command line (the CLI acts
 * as `cli` in the audit trail). A refile stays inside the item's unit; a confirmed item is refused
 * until it is unconfirmed.
 */
export async function runCorrection(
  sub: 'refile' | 'unfile' | 'waive' | 'retention',
  v: Record<string, string | undefined>,
  itemId: number | undefined,
  year: number | undefined,
  ctx: CliContext,
): Promise<void> {
  const deps = { db: ctx.db, clock: systemClock, isChatMember: async () => false };
  if (sub === 'waive') {
    if (!v.unit || !v.task) throw usage('用法: archive waive --unit CODE --task 任务编号 --reason 原因');
    const unit = await getUnitByCode(ctx.db, v.unit);
    if (!unit) throw usage(`找不到单位 ${v.unit}`);
    const taskId = await taskOfUnit(ctx.db, unit, v.task, year);
    const reopen = v.reopen !== undefined;
    if (!reopen && !v.reason?.trim()) throw usage('免交须写明原因：--reason 原因');
    // The line to the unit's chats waits out schedules.yaml's quiet hours, as the bot's own 免交 does.
    const { timeZone, quietHours } = loadCliSettings(ctx.env).schedules.settings();
    const res = await waiveTask(
      { ...deps, quiet: { timeZone, quietHours } },
      {
        taskId,
        actorOpenId: 'cli',
        reason: v.reason ?? '',
        source: 'cli',
        waive: !reopen,
      },
    );
    if (res.status === 'refused') throw new AppError('refused', res.message);
    ctx.out(res.message);
    return;
  }
  if (sub === 'retention') {
    if (!v.unit || !v.task || year === undefined || !v.to)
      throw usage('用法: archive retention --unit CODE --task 清单项编号 --year YYYY --to 永久|30年|10年');
    const retention = retentionOfWord(v.to);
    if (!retention) throw usage(`--to 须为 永久、30年 或 10年（也可写 Y、D30、D10），收到 "${v.to}"`);
    const unit = await getUnitByCode(ctx.db, v.unit);
    if (!unit) throw usage(`找不到单位 ${v.unit}`);
    const res = await setTaskRetention(deps, {
      unitId: unit.id,
      year,
      itemCode: v.task,
      retention,
      actor: 'cli',
      source: 'cli',
    });
    if (res.status === 'not_found' || res.status === 'refused') throw new AppError(res.status, res.message);
    ctx.out(res.message);
    return;
  }
  if (itemId === undefined)
    throw usage(`用法: archive ${sub} --item ID${sub === 'refile' ? ' --task 任务编号' : ''}`);
  const item = await getFilingItem(ctx.db, itemId);
  if (!item) throw usage(`找不到归档记录 ${itemId}`);
  const carry = await requestToCarryOut(ctx.db, itemId, v);
  let res;
  if (sub === 'refile') {
    if (!v.task) throw usage('用法: archive refile --item ID --task 任务编号 [--year YYYY]');
    const from = (await getTaskContext(ctx.db, item.taskId))!;
    // A task of another unit (--unit) is looked up too, so the refusal below says the way there.
    const unit = v.unit && v.unit !== from.unitCode ? await getUnitByCode(ctx.db, v.unit) : undefined;
    if (v.unit && v.unit !== from.unitCode && !unit) throw usage(`找不到单位 ${v.unit}`);
    const toTaskId = await taskOfUnit(
      ctx.db,
      unit ?? { id: from.unitId, name: from.unitName },
      v.task,
      year,
      from.campaignId,
    );
    res = await refileItem(deps, {
      itemId,
      toTaskId,
      actorOpenId: 'cli',
      source: 'cli',
      requestId: carry.id,
    });
  } else {
    res = await unfileItem(
      { ...deps, timeZone: loadCliSettings(ctx.env).timeZone },
      { itemId, actorOpenId: 'cli', source: 'cli', reason: v.reason, requestId: carry.id },
    );
  }
  if (res.status === 'refused')
    throw new AppError(
      'refused',
      res.reason === 'confirmed'
        ? `${res.message}：archive unconfirm --item ${itemId} --reason 原因，再${sub === 'refile' ? '改归' : '撤下'}` +
            '（原档号停用，重新确认归档时编新的档号）'
        : res.reason === 'other_unit'
          ? `${res.message}：archive unfile --item ${itemId} --reason 原因`
          : res.message,
    );
  ctx.out(res.message);
  if (res.status === 'refiled' || res.status === 'unfiled') {
    const closed = carry.request && res.requestClosed === carry.request.id;
    if (carry.request)
      ctx.out(
        closed
          ? `已完成更正申请 #${carry.request.id}（${carry.request.text}），机器人会告知申请人`
          : `更正申请 #${carry.request.id} 已在此期间改好或关闭，没有再次告知申请人`,
      );
    for (const line of carry.notes) ctx.out(line);
  }
}

/** One request as the command line names it: its id (for --request) and its words. */
const requestLine = (r: { id: number; text: string }) => `  #${r.id}：${r.text}`;

/**
 * Which approved 申请更正 `archive refile | unfile` carries out (its requester told, as from the request's
 * card): `--request ID`, that one (refused unless it is the item's and approved and still owed);
 * `--keep-request`, none (as a correction card not opened for a request); neither, the item's one owed
 * request, said in the output. Two owed: refused, listed, to name one. A request not answered yet is
 * never closed by a correction: the output says it is still waiting for 同意 / 不同意.
 */
async function requestToCarryOut(
  db: Db,
  itemId: number,
  v: Record<string, string | undefined>,
): Promise<{ id: number | undefined; request?: { id: number; text: string }; notes: string[] }> {
  const owed = await approvedOpenRequestsOfItem(db, itemId);
  const pending = await pendingCorrectionRequest(db, itemId);
  const notes = pending
    ? [
        `条目 ${itemId} 还有一个待处理的更正申请 #${pending.id}（${pending.text}）：还没有同意，没有关闭，` +
          '请档案员在申请卡片上点同意或不同意',
      ]
    : [];
  if (v['keep-request'] !== undefined) {
    if (owed.length > 0)
      notes.push(`已同意的更正申请仍待改好（--keep-request）：${owed.map((r) => `#${r.id}`).join('、')}`);
    return { id: undefined, notes };
  }
  if (v.request !== undefined) {
    const want = Number(v.request);
    const request = owed.find((r) => r.id === want);
    if (!request) {
      const why =
        pending?.id === want
          ? `更正申请 #${want} 还没有同意，改归或撤下不会关闭它；请先在申请卡片上同意`
          : `条目 ${itemId} 没有已同意、待改好的更正申请 #${want}`;
      throw new AppError('refused', `${why}${openRequestsText(owed, pending)}`);
    }
    return { id: request.id, request, notes };
  }
  if (owed.length > 1)
    throw new AppError(
      'refused',
      `条目 ${itemId} 有 ${owed.length} 个已同意、待改好的更正申请，请用 --request 申请号 指明这次更正的是哪一个` +
        `（或 --keep-request 都不关闭）：\n${owed.map(requestLine).join('\n')}`,
    );
  const [request] = owed;
  return request ? { id: request.id, request, notes } : { id: undefined, notes };
}

/** The item's open requests, listed after a refusal of --request. */
function openRequestsText(
  owed: { id: number; text: string }[],
  pending: { id: number; text: string } | undefined,
): string {
  const lines = [
    ...owed.map((r) => `${requestLine(r)}（已同意，待改好）`),
    ...(pending ? [`${requestLine(pending)}（待同意）`] : []),
  ];
  return lines.length > 0 ? `。这件的更正申请：\n${lines.join('\n')}` : '。这件没有待处理的更正申请';
}

/**
 * `archive drop-request --item ID [--reason 原因]`: 不用改了 for the item's approved 申请更正 (one open
 * at a time per item), as the archivist's card button: the request is closed without a change, audited
 * (`correction_dropped`, source cli) and the requester told. None open: exit 1, nothing written.
 */
export async function dropRequest(
  ctx: CliContext,
  itemId: number,
  reason: string | undefined,
): Promise<void> {
  const item = await getFilingItem(ctx.db, itemId);
  if (!item) throw usage(`找不到归档记录 ${itemId}`);
  const request = await approvedOpenRequest(ctx.db, itemId);
  if (!request)
    throw new AppError('not_found', `条目 ${itemId} 没有已同意、待更正的申请（可能已改好或已关闭）`);
  const res = await dropApprovedRequest(
    { db: ctx.db, clock: systemClock },
    { requestId: request.id, actorOpenId: 'cli', reason, source: 'cli' },
  );
  if (res.status === 'refused') throw new AppError('refused', res.message);
  ctx.out(`${res.message}（申请：${request.text}）`);
}
