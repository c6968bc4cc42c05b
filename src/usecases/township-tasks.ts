import { taskListCard } from '../cards/unit-cards.js';
import { townshipVillagesCard, villagesBelow } from '../cards/township-cards.js';
import type { UnitProgress } from '../db/repos/completeness-progress.js';
import { villageWordOf, type TaskStatus } from '../db/repos/completeness.js';
import type { UnitRow } from '../db/repos/units.js';
import { childWords } from '../domain/township-chat.js';
import type { BotDeps } from './deps.js';
import { progressCalled } from './unit-naming.js';

/**
 * 任务 in a township (its group, or a direct chat naming it): its own open tasks, if any, and its
 * villages' state from 进度's figures (unitProgress: active villages, retired ones left out), so a
 * township with no task of its own is not told 「没有未完成的任务 👍」 while its villages owe. With web
 * pages, a button opens the township's page (its villages ranked, 督办). Undefined when no village
 * has a task (nor a retired township: its 任务 stay as they were): the usual answers then. A county's
 * 任务 is the same with its townships (each one's villages counted), named 各乡镇; a village's is undefined.
 * `progress`: the unit's unitProgress, read once for the whole answer (the caller's other cards use it too).
 * `listOf`: the command message the list answers (taskListCard).
 */
export async function townshipTasksCard(
  deps: Pick<BotDeps, 'pageUrl' | 'db'>,
  unit: UnitRow,
  tasks: TaskStatus[],
  timeZone: string,
  progress: () => Promise<UnitProgress | undefined>,
  listOf?: string,
): Promise<object | undefined> {
  if (unit.kind !== 'township' && unit.kind !== 'county') return undefined;
  const read = await progress();
  if (!read || read.retirement) return undefined;
  // The township and its villages named as answers name them (two 东村: 城关镇东村), read once.
  const { progress: p } = await progressCalled(deps.db, read);
  const villages = p.children.map((ch) => ({ name: ch.unit.name, ...ch.counts }));
  if (villages.every((v) => v.total === 0)) return undefined;
  // 村, 社区 or both, as the villages below are named.
  const words = childWords(unit.kind, await villageWordOf(deps.db, unit.id));
  const pageUrl = deps.pageUrl?.(`/units/${unit.id}`);
  if (tasks.some((t) => t.state !== 'complete'))
    return taskListCard(
      p.unit.name,
      tasks,
      timeZone,
      villagesBelow(villages, pageUrl, words),
      unit.id,
      listOf,
    );
  return townshipVillagesCard(p.unit.name, villages, { ownDone: tasks.length > 0, pageUrl, words });
}
