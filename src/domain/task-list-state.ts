import type { VillageWord } from './village-word.js';

/**
 * Where a unit stands with its 任务清单, for what the bot tells a chat with nothing to choose. A task
 * 交齐 stays open (more evidence is welcome), so a unit that was given tasks has none open only when
 * every one was waived (免交). Its officer must not be told to wait for a 任务清单 that already came.
 */
export type TaskListState =
  /** At least one open task: materials can be filed. */
  | { kind: 'open' }
  /** No task was ever given (a village before its first 任务清单): wait for the county. */
  | { kind: 'not_given' }
  /**
   * A township never given a task of its own, the usual case (the county gives them to its villages):
   * its materials are its own archive, with no 任务清单 to wait for (domain/township-chat.ts).
   */
  | { kind: 'township'; villages: VillageWord }
  /** Tasks were given, and every one of them is waived now: nothing to wait for. */
  | { kind: 'all_waived'; waived: number };

/**
 * The state of one unit from its own tasks (every year's): how many, and how many are not waived;
 * `township`: the unit is one (units.kind), its villages called that (village-word.ts).
 */
export function taskListState(tasks: { total: number; open: number }, township?: VillageWord): TaskListState {
  if (tasks.open > 0) return { kind: 'open' };
  if (tasks.total > 0) return { kind: 'all_waived', waived: tasks.total };
  return township ? { kind: 'township', villages: township } : { kind: 'not_given' };
}

/** A state with nothing to choose: what the no-open-task texts are picked by. */
export type NoOpenTask = Exclude<TaskListState, { kind: 'open' }>;

/**
 * What is left to hand in under a unit (its subtree's counts, as 进度 shows them), for 任务 and 缺什么:
 * never given a task, every task 交齐 or 免交 (said with the counts, not 「都已齐全」 for tasks waived),
 * or something still owed.
 */
export type WorkLeft =
  | { kind: 'not_given' }
  | { kind: 'all_done'; total: number; complete: number; waived: number }
  | { kind: 'owing' };

export function workLeft(c: { total: number; complete: number; waived: number }): WorkLeft {
  if (c.total === 0) return { kind: 'not_given' };
  return c.complete + c.waived >= c.total
    ? { kind: 'all_done', total: c.total, complete: c.complete, waived: c.waived }
    : { kind: 'owing' };
}
