import type { Db } from '../db/client.js';
import { findTaskByCode } from '../db/repos/archive-items.js';
import { getFilingItem } from '../db/repos/filings.js';
import { findTasksByCode, getTaskContext } from '../db/repos/tasks.js';
import { getUnitByCode } from '../db/repos/units.js';
import { AppError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { refileItem, unfileItem } from '../usecases/refile-item.js';
import { waiveTask } from '../usecases/waive-task.js';
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
 * `archive refile | unfile | waive`: an archivist's corrections from the command line (the CLI acts
 * as `cli` in the audit trail). A refile stays inside the item's unit; a confirmed item is refused
 * until it is unconfirmed.
 */
export async function runCorrection(
  sub: 'refile' | 'unfile' | 'waive',
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
    const res = await waiveTask(deps, {
      taskId,
      actorOpenId: 'cli',
      reason: v.reason ?? '',
      source: 'cli',
      waive: !reopen,
    });
    ctx.out(res.message);
    return;
  }
  if (itemId === undefined)
    throw usage(`用法: archive ${sub} --item ID${sub === 'refile' ? ' --task 任务编号' : ''}`);
  const item = await getFilingItem(ctx.db, itemId);
  if (!item) throw usage(`找不到归档记录 ${itemId}`);
  let res;
  if (sub === 'refile') {
    if (!v.task) throw usage('用法: archive refile --item ID --task 任务编号 [--year YYYY]');
    const from = (await getTaskContext(ctx.db, item.taskId))!;
    if (v.unit && v.unit !== from.unitCode)
      throw usage(`只能改归到${from.unitName}自己的任务（这件材料属于${from.unitCode}）`);
    const toTaskId = await taskOfUnit(
      ctx.db,
      { id: from.unitId, name: from.unitName },
      v.task,
      year,
      from.campaignId,
    );
    res = await refileItem(deps, { itemId, toTaskId, actorOpenId: 'cli', source: 'cli' });
  } else {
    res = await unfileItem(deps, { itemId, actorOpenId: 'cli', source: 'cli', reason: v.reason });
  }
  if (res.status === 'refused')
    throw new AppError(
      'refused',
      res.reason === 'confirmed'
        ? `${res.message}：archive unconfirm --item ${itemId} --reason 原因，再${sub === 'refile' ? '改归' : '撤下'}` +
            '（原档号停用，重新确认归档时编新的档号）'
        : res.message,
    );
  ctx.out(res.message);
}
