import { MATERIALS_BUTTON_GONE } from '../domain/materials-button-gone.js';
import { noOpenTaskChoose } from '../domain/no-tasks-yet.js';
import { insertAudit } from '../db/repos/audit.js';
import { MAX_SPLIT_PARTS, splitBurstRows, type SplitRefusal } from '../db/repos/burst-split.js';
import { getBurst } from '../db/repos/bursts.js';
import { taskListStateOf } from '../db/repos/completeness.js';
import { filingRoundOfBurst } from '../db/repos/filings.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { ALREADY_SPLIT, canFile, type FilingDeps } from './file-burst.js';

const REFUSALS: Record<SplitRefusal, string> = {
  gone: MATERIALS_BUTTON_GONE,
  split: ALREADY_SPLIT,
  filed: '这组材料已经交到任务里，不能再分开（一个文件不能同时在两件里）；请先撤销再分开',
  too_few: '只有一个文件，不用分开',
  too_many: `超过${MAX_SPLIT_PARTS}个文件，不能在卡片上分开；请分几次重新发送`,
};

export type SplitOutcome =
  | { status: 'split'; parts: number; message: string }
  /** `stale`: the card was drawn before the burst's last filing or 撤销. */
  | { status: 'refused'; message: string; stale?: true };

/**
 * 分开归档: the burst's files become one burst each, each filed as its own item, all listed on one
 * card: the one tapped (`cardMessageId`), which becomes the parts card (a card per file flooded a busy
 * group with up to 9 messages). Only someone who may file for the chat's unit may split; a filed or
 * already split burst, a card drawn before the last filing or 撤销, or fewer than 2 / more than 9
 * files are refused and nothing changes. The split and its audit row are one transaction.
 */
export async function splitBurst(
  deps: FilingDeps,
  input: { burstId: number; actorOpenId: string; round?: number; cardMessageId: string },
): Promise<SplitOutcome> {
  const { db } = deps;
  const burst = await getBurst(db, input.burstId);
  if (!burst) return { status: 'refused', message: REFUSALS.gone };
  if (burst.status === 'split') return { status: 'refused', message: ALREADY_SPLIT };
  const unit = await unitOfChat(db, burst.chatId);
  if (!unit) return { status: 'refused', message: '本群还没有绑定单位，暂时不能交到任务里' };
  // A card from before the unit lost its last open task: the parts would each offer nothing to choose.
  const state = await taskListStateOf(db, unit.id);
  if (state.kind !== 'open') return { status: 'refused', message: noOpenTaskChoose(state) };
  if (!(await canFile(deps, input.actorOpenId, unit, burst.chatId)))
    return { status: 'refused', message: `只有${unit.name}的工作群成员或工作人员才能分开交` };
  if (input.round !== undefined && input.round !== (await filingRoundOfBurst(db, burst.id)))
    return { status: 'refused', message: '这张卡片已过期，请在最新的卡片上选择', stale: true };
  const now = deps.clock.now();
  const res = await db.transaction(async (tx) => {
    const r = await splitBurstRows(tx, burst.id, now, input.cardMessageId);
    if ('refused' in r) return r;
    await insertAudit(tx, {
      at: now,
      actor: input.actorOpenId,
      action: 'split',
      source: 'card',
      unitId: unit.id,
      burstId: burst.id,
      chatId: burst.chatId,
      details: { parts: r.children.map((c) => ({ burstId: c.burstId, materialIds: c.materialIds })) },
    });
    return r;
  });
  if ('refused' in res) return { status: 'refused', message: REFUSALS[res.refused] };
  const n = res.children.length;
  return { status: 'split', parts: n, message: `已分成 ${n} 份，请在卡片上分别选择任务` };
}
