import { filedCard } from '../cards/filing-card.js';
import { getDescription } from '../db/repos/archive-descriptions.js';
import { getBurst } from '../db/repos/bursts.js';
import { taskProgress } from '../db/repos/completeness.js';
import { itemForCorrection } from '../db/repos/correction-items.js';
import { getLiveFilingOfBurst } from '../db/repos/filings.js';
import { waivedReasonOf } from '../db/repos/tasks.js';
import { burstFilesInLiveItems } from '../db/repos/filings-burst.js';
import { materialsOfBurst, materialsOfItem, type BurstMaterial } from '../db/repos/materials.js';
import { kindsOfBurst } from '../db/repos/message-recalls.js';
import { countsText, type BurstCounts } from '../domain/burst-summary.js';
import { draftFromCaption } from '../domain/caption-description.js';
import { undoableNow } from '../domain/checklist-filing.js';
import { burstSummary } from './acknowledge-burst.js';
import { savedLine } from './describe-item-action.js';
import type { BotDeps } from './deps.js';
import { itemTaskLabel } from './item-facts.js';
import { filedProgressText } from './present-burst.js';
import { uncountedNote, uncountedOf } from './uncounted-note.js';

/** A filed card's line for a task waived (免交) after the filing: the materials stay filed, nothing is owed. */
const waivedProgressText = (reason: string): string =>
  `这项任务已免交${reason ? `（${reason}）` : ''}，不用再交`;

/**
 * The filed card of a burst as it is now, after some of its files were recalled (撤回) or the item was
 * regrouped (移出 / 并入): the summary lists the files the item holds now — with those 并入 from
 * another item and those of the burst 移出 to another named (regroupLines) — and says what was recalled
 * (「已撤回 1 张照片，不再归档」), the
 * task's progress is counted again (or, the task waived since, 「这项任务已免交（…），不用再交」), and the rest (撤销 while it holds, 更正 / 申请更正, the photo
 * description) is as on the card the filing drew. Undefined when the burst has no live filing.
 */
export async function filedCardAfterRecall(
  deps: Pick<BotDeps, 'db' | 'clock' | 'pageUrl'>,
  burstId: number,
  maxFileBytes: number,
): Promise<object | undefined> {
  const { db } = deps;
  const live = await getLiveFilingOfBurst(db, burstId);
  const facts = live && (await itemForCorrection(db, live.id));
  if (!live || !facts) return undefined;
  const [own, held, placed, recalled, p, d, burst, waived] = await Promise.all([
    materialsOfBurst(db, burstId),
    materialsOfItem(db, live.id),
    burstFilesInLiveItems(db, burstId),
    kindsOfBurst(db, burstId, { recalledOnly: true }),
    taskProgress(db, live.taskId),
    getDescription(db, live.id),
    getBurst(db, burstId),
    waivedReasonOf(db, live.taskId),
  ]);
  // What the item holds now (移出 / 并入 change it), and the burst's files not saved yet or not at all.
  const inItem = new Set(held.map((m) => m.id));
  const materials = [...held, ...own.filter((m) => m.status !== 'stored' && !inItem.has(m.id))];
  const gone = countsText(recalled);
  const undoable = undoableNow({ filedAt: live.filedAt, archivalCode: facts.archivalCode }, deps.clock.now());
  return filedCard({
    burstId,
    itemId: live.id,
    summary:
      burstSummary(materials, maxFileBytes) +
      regroupLines(own, held, placed, live.id) +
      (gone ? `\n已撤回 ${gone}，不再归档` : ''),
    taskLabel: itemTaskLabel(facts),
    // Waived (免交) since: nothing is owed, so no 「还差2张」.
    progressText:
      waived !== undefined
        ? waivedProgressText(waived)
        : p
          ? filedProgressText(p, materials, live.nPhoto)
          : '',
    uncounted: uncountedNote(uncountedOf(materials, p?.kinds ?? []), undoable),
    undoable,
    pageUrl: deps.pageUrl?.(`/items/${live.id}`),
    // A photo group: its description as saved, or the form again (as the filing drew it).
    ...(live.kind !== 'photo_group'
      ? {}
      : d
        ? { savedDescription: savedLine(d) }
        : { askDescription: true, descriptionDraft: draftFromCaption(burst?.caption ?? null) }),
  });
}

/**
 * The lines under a regrouped item's summary: how many of its files came from another item (并入), and
 * which items hold files of its burst now (移出). Empty when it holds exactly its burst's files.
 */
function regroupLines(
  own: readonly BurstMaterial[],
  held: readonly BurstMaterial[],
  placed: readonly { materialId: number; itemId: number }[],
  itemId: number,
): string {
  const counts = (ms: readonly { kind: string }[]): BurstCounts => {
    const c: Record<string, number> = {};
    for (const m of ms) c[m.kind] = (c[m.kind] ?? 0) + 1;
    return c;
  };
  const ownIds = new Set(own.map((m) => m.id));
  const kindOf = new Map(own.map((m) => [m.id, m.kind]));
  const lines: string[] = [];
  const joined = countsText(counts(held.filter((m) => !ownIds.has(m.id) && m.role !== 'cover')));
  if (joined) lines.push(`其中 ${joined}是从别的件并入的`);
  const elsewhere = new Map<number, { kind: string }[]>();
  for (const p of placed)
    if (p.itemId !== itemId)
      elsewhere.set(p.itemId, [...(elsewhere.get(p.itemId) ?? []), { kind: kindOf.get(p.materialId) ?? '' }]);
  for (const files of elsewhere.values())
    // No item number: the chat shows none. What matters is that they are kept, as another 件.
    lines.push(`另有 ${countsText(counts(files))}已由档案员移出，单独成为一件`);
  return lines.map((l) => `\n${l}`).join('');
}
