import {
  browseTasksCard,
  householdPageCard,
  householdPageLabel,
  MENU_OPTIONS,
  type BrowserValues,
} from '../cards/task-browser-card.js';
import { fileableTasksOfHousehold, fileableTasksOfUnit, type TaskStatus } from '../db/repos/completeness.js';
import type { Db } from '../db/client.js';
import { householdHasWaivedTasks } from '../db/repos/tasks.js';
import { matchTasks } from '../domain/match-tasks.js';
import { DomainError } from '../errors.js';
import { filingChoices, householdChoices } from './filing-choices.js';

/** A step of the task browser: one household's tasks (`h`; 0 = the unit's own), a page of households, a search. */
export type BrowseStep = { h: number } | { p: number } | { q: string };

/** At most this many search results on the card. */
const MAX_FOUND = 100;

/**
 * The task browser's next card for a unit's open tasks: a household's tasks, the unit's own, a page
 * of households or what a search found. Shared by the filing card (choosing files a burst) and the
 * correction card (choosing refiles an item; its current task, `except`, is left out). A household
 * of another unit (a forged value) has no tasks here: nothing is revealed. Reads only the database.
 */
export async function browseTasks(
  db: Db,
  unit: { id: number; name: string },
  step: BrowseStep,
  view: { values: BrowserValues; summary: string; timeZone: string; stale: string; except?: number },
): Promise<object> {
  const keep = (tasks: TaskStatus[]) => tasks.filter((t) => t.taskId !== view.except);
  const tasksCard = (heading: string, tasks: TaskStatus[], query?: string) =>
    browseTasksCard({
      values: view.values,
      summary: view.summary,
      heading,
      tasks: filingChoices(tasks),
      query,
      timeZone: view.timeZone,
    });
  if ('p' in step) {
    const all = householdChoices(keep(await fileableTasksOfUnit(db, unit.id)));
    const page = all.slice(step.p * MENU_OPTIONS, (step.p + 1) * MENU_OPTIONS);
    if (page.length === 0) throw new DomainError('bad_action', view.stale);
    return householdPageCard({
      values: view.values,
      summary: view.summary,
      heading: householdPageLabel(page),
      households: page,
    });
  }
  if ('q' in step) {
    const found = matchTasks(step.q, keep(await fileableTasksOfUnit(db, unit.id)));
    return tasksCard(`查找“${step.q}”`, found.slice(0, MAX_FOUND), step.q);
  }
  const tasks = await fileableTasksOfHousehold(db, unit.id, step.h === 0 ? null : step.h);
  if (step.h === 0) return tasksCard(`${unit.name}的任务`, keep(tasks));
  if (tasks.length === 0)
    throw (await householdHasWaivedTasks(db, unit.id, step.h))
      ? new DomainError('household_waived', '这一户的任务都已免交，不用再交')
      : new DomainError('no_household_tasks', '这一户没有待交的任务');
  const [label] = householdChoices(tasks).map((x) => x.label);
  return tasksCard(`${label}的任务`, keep(tasks));
}

/** The search words of a browser's form (trimmed, at most 40 characters), or '' when none. */
export const searchWords = (formValue: Record<string, unknown> | undefined): string =>
  typeof formValue?.q === 'string' ? formValue.q.trim().slice(0, 40) : '';

/** A household chosen in a browser's menu (the click's option), or the stale message. */
export function chosenId(option: unknown, stale: string): number {
  const n = Number(option);
  if (!Number.isSafeInteger(n) || n <= 0) throw new DomainError('bad_action', stale);
  return n;
}
