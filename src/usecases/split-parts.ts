import { PARTS_VIEW } from '../cards/actions.js';
import { splitPartsCard, type PartRow, type PartState } from '../cards/split-parts-card.js';
import { getDescription } from '../db/repos/archive-descriptions.js';
import { partFiles, partsOfCard } from '../db/repos/burst-split.js';
import { getBurst } from '../db/repos/bursts.js';
import { fileableTasksOfUnit } from '../db/repos/completeness.js';
import { itemForCorrection } from '../db/repos/correction-items.js';
import { filingRoundOfBurst, getLiveFilingOfBurst } from '../db/repos/filings.js';
import { materialsOfBurst } from '../db/repos/materials.js';
import { burstWhollyRecalled } from '../db/repos/message-recalls.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import type { ButtonValue } from '../domain/card-action-type.js';
import { undoableNow } from '../domain/checklist-filing.js';
import { suggestTasks } from '../domain/suggest-tasks.js';
import { materialName } from './acknowledge-burst.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import { filingChoices } from './filing-choices.js';
import { itemTaskLabel } from './item-facts.js';
import { toCandidate } from './present-burst.js';
import { setAsideNamed } from './set-aside-by.js';

/**
 * The parts card of a split burst as it is now, when `messageId` is one (its parts share it as their
 * card); undefined for any other card.
 */
export async function partsCardOf(
  deps: Pick<BotDeps, 'db' | 'clock' | 'gateway' | 'logger'>,
  messageId: string,
): Promise<object | undefined> {
  const ids = await partsOfCard(deps.db, messageId);
  if (ids.length === 0) return undefined;
  const { db } = deps;
  const now = deps.clock.now();
  const first = await getBurst(db, ids[0]!);
  const unit = first ? await unitOfChat(db, first.chatId) : undefined;
  const open = unit ? await fileableTasksOfUnit(db, unit.id) : [];
  const byId = new Map(open.map((t) => [t.taskId, t]));
  const parts: PartRow[] = [];
  for (const id of ids) {
    const burst = await getBurst(db, id);
    const materials = (await materialsOfBurst(db, id)).filter((m) => m.role !== 'cover');
    let state: PartState;
    let aside: { by?: string } | undefined;
    const live = await getLiveFilingOfBurst(db, id);
    if (live) {
      const facts = (await itemForCorrection(db, live.id))!;
      state = {
        kind: 'filed',
        itemId: live.id,
        taskLabel: itemTaskLabel(facts),
        undoable: undoableNow({ filedAt: live.filedAt, archivalCode: facts.archivalCode }, now),
        ...(live.kind === 'photo_group'
          ? { description: (await getDescription(db, live.id)) ? ('saved' as const) : ('missing' as const) }
          : {}),
      };
    } else if (await burstWhollyRecalled(db, id)) state = { kind: 'withdrawn' };
    else if ((aside = burst && (await setAsideNamed(deps, burst)))) state = { kind: 'skipped', ...aside };
    else {
      const counts: Record<string, number> = {};
      for (const m of materials) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
      const s = suggestTasks(
        {
          caption: burst?.caption ?? null,
          fileNames: materials.map((m) => m.originalName).filter((n): n is string => !!n),
          counts,
        },
        open.map(toCandidate),
        now,
      ).slice(0, 3);
      state = {
        kind: 'open',
        suggestions: filingChoices(
          s.map((x) => byId.get(x.task.taskId)!),
          new Map(s.map((x) => [x.task.taskId, x.reasons])),
        ),
      };
    }
    parts.push({
      burstId: id,
      round: await filingRoundOfBurst(db, id),
      // Named by every file, a recalled one too (its row then says it was recalled).
      name: (await partFiles(db, id)).map(materialName).join('、') || '文件',
      state,
    });
  }
  return splitPartsCard({ unitName: unit?.name ?? '', parts });
}

/**
 * A tap on a part's row of the parts card: the answer's card is the whole parts card as it is now
 * (the part's own filed card would take the place of every other part's row).
 */
export async function onPartsCard(
  deps: Pick<BotDeps, 'db' | 'clock' | 'gateway' | 'logger'>,
  messageId: string | undefined,
  res: CardResponse,
): Promise<CardResponse> {
  if (!messageId || !res.card) return res;
  const data = await partsCardOf(deps, messageId);
  return data ? { ...res, card: { type: 'raw', data } } : res;
}

/**
 * 返回 for part `burstId`'s own cards (its filing card, opened by 其他任务, and its task browser) when
 * they are drawn on a parts card that lists it: the way back to the parts card. Undefined elsewhere
 * (a burst's own card has nothing to go back to).
 */
export async function backToParts(
  deps: Pick<BotDeps, 'db'>,
  messageId: string | undefined,
  burstId: number,
): Promise<ButtonValue | undefined> {
  if (!messageId) return undefined;
  return (await partsOfCard(deps.db, messageId)).includes(burstId)
    ? PARTS_VIEW.value({ b: burstId })
    : undefined;
}
