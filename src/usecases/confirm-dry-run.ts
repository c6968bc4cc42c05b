import type { Db } from '../db/client.js';
import { listPhotoGroupGaps } from '../db/repos/archive-descriptions.js';
import { listConfirmCandidates } from '../db/repos/archive-items.js';
import { classCounters } from '../db/repos/archive-records.js';
import { getUnitById } from '../db/repos/units.js';
import { classKeyOf, codeRangeText, type ArchivalCodeRules } from '../domain/archival-code.js';
import { GAP_LABELS } from '../domain/photo-description.js';
import { DomainError } from '../errors.js';
import { classesOf, numberInOrder } from './confirm-archive.js';
import { previewConfirm } from './preview-confirm.js';
import { sampleFondsRefusal, type FondsSettings } from './sample-fonds-guard.js';

/** The dry run's lines, or the refusal `archive confirm` would meet (it exits non-zero with it). */
type DryRunOutcome = { status: 'lines'; lines: string[] } | { status: 'refused'; message: string };

/**
 * `archive confirm --dry-run`: the lines saying what `archive confirm` would do now, reading only. Each
 * 件 with the 档号 it would get (numbered as confirmArchive numbers, from the classes' counters as they
 * stand), the range per class, what is not ready (numbered all the same) and the files left out
 * because they were never saved. Nothing is locked or written. Under archive.yaml's sample fonds, the
 * refusal confirmation would give.
 */
export async function dryRunConfirm(
  deps: { db: Db; rules: ArchivalCodeRules & FondsSettings },
  input: { unitId: number; year: number; taskId?: number },
): Promise<DryRunOutcome> {
  const { db } = deps;
  const unit = await getUnitById(db, input.unitId);
  if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
  const scope = { unitPath: unit.path, year: input.year, taskId: input.taskId };
  const cands = await listConfirmCandidates(db, scope);
  const head = '试运行，没有写入任何内容';
  if (cands.length === 0)
    return {
      status: 'lines',
      lines: [`${head}：${unit.name}${input.year}年度没有待确认的归档材料，确认归档不会编号`],
    };
  const sample = await sampleFondsRefusal(
    db,
    deps.rules,
    unit,
    cands.map((c) => c.unitPath),
  );
  if (sample) return { status: 'refused', message: `${head}。${sample}` };
  const { rules, partsOf } = await classesOf(db, deps.rules, cands);
  const counters = await classCounters(
    db,
    cands.map((c) => classKeyOf(partsOf(c))),
  );
  const numbered = numberInOrder(cands, counters, partsOf, rules);
  const byClass = new Map<string, string[]>();
  for (const n of numbered) byClass.set(n.classKey, [...(byClass.get(n.classKey) ?? []), n.archivalCode]);
  const p = await previewConfirm(db, scope);
  const gaps = new Map(
    (await listPhotoGroupGaps(db, { unitPath: unit.path, year: input.year })).map((g) => [g.itemId, g.gaps]),
  );
  const line = ({ archivalCode, candidate: c }: (typeof numbered)[number]) => {
    const gap = gaps.get(c.itemId);
    const note = gap ? `\t照片说明缺${gap.map((x) => GAP_LABELS[x]).join('、')}` : '';
    return `${archivalCode}\t条目 ${c.itemId}\t${c.taskCode}\t${c.title}${note}`;
  };
  const lines = [
    `${head}。确认归档将给${unit.name}${input.year}年度 ${numbered.length} 件编上档号（编上后不再改动）：`,
    ...numbered.map(line),
    ...[...byClass.values()].map((codes) => `${codeRangeText(codes)}（${codes.length}件）`),
    ...(p.notReadyCount > 0
      ? [`其中 ${p.notReadyCount} 组照片还没有写说明：照样编号，可以先补说明再确认（archive describe）`]
      : []),
    ...(p.undescribedSplitCount > 0
      ? [
          `其中 ${p.undescribedSplitCount} 件是移出后的新件，还没有著录（题名是临时的）：请先补著录再确认（archive describe）：${p.undescribedSplits.join('；')}`,
        ]
      : []),
    ...(p.failedDownloads > 0
      ? [`${p.failedDownloads} 个文件没有保存成功，需要重新发送，不在本次确认之内`]
      : []),
    ...(p.refusedFormatsCount > 0
      ? [
          `其中 ${p.refusedFormatsCount} 件有格式不能归档的文件（导出时四性检测不通过）：${p.refusedFormats.join('；')}`,
        ]
      : []),
    '去掉 --dry-run 即确认归档',
  ];
  return { status: 'lines', lines };
}
