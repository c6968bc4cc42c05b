import type { FilingChoice, HouseholdChoice } from '../cards/task-browser-card.js';
import type { TaskStatus } from '../db/repos/completeness.js';
import { missingText } from '../domain/checklist-task-state.js';
import { PAPER_HINT, takesPhotosAsPaper } from '../domain/photographed-paper.js';
import { shortTaskLabels } from '../domain/task-label.js';

/** Open tasks as the filing card's choices, labelled for a phone (a code added where two read alike). */
export function filingChoices(
  tasks: readonly TaskStatus[],
  reasons?: ReadonlyMap<number, string[]>,
): FilingChoice[] {
  const labels = shortTaskLabels(tasks);
  return tasks.map((t, i) => ({
    taskId: t.taskId,
    code: t.code,
    label: labels[i]!,
    dueAt: t.dueAt,
    // A task still wanting documents says how paper is handed in: every page photographed, in one go.
    missingText:
      missingText(t.kinds, t.missing) +
      (t.missing > 0 && takesPhotosAsPaper(t.kinds) ? `（${PAPER_HINT}）` : ''),
    reasons: reasons?.get(t.taskId),
  }));
}

const byCode = (a: string, b: string) => a.localeCompare(b, 'zh-CN', { numeric: true });

/**
 * The households that have open tasks, in household-code order, each labelled by its head
 * (「张三户」; 「张三户（12号）」 when two heads share a name) with how many tasks it has open.
 */
export function householdChoices(tasks: readonly TaskStatus[]): (HouseholdChoice & { name: string })[] {
  const byId = new Map<number, { id: number; name: string; code: string; open: number }>();
  for (const t of tasks) {
    if (t.householdId == null) continue;
    const h = byId.get(t.householdId);
    if (h) h.open++;
    else
      byId.set(t.householdId, {
        id: t.householdId,
        name: t.householdName ?? '',
        code: t.householdCode ?? String(t.householdId),
        open: 1,
      });
  }
  const list = [...byId.values()].sort((a, b) => byCode(a.code, b.code));
  const named = new Map<string, number>();
  for (const h of list) named.set(h.name, (named.get(h.name) ?? 0) + 1);
  return list.map((h) => ({
    id: h.id,
    name: h.name,
    code: h.code,
    open: h.open,
    label: named.get(h.name)! > 1 ? `${h.name}户（${h.code}号）` : `${h.name}户`,
  }));
}
