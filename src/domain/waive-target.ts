/**
 * Which task 「免交 C03」 / 「恢复任务 C03」 is about, among the unit's tasks that carry that code (one per
 * 年度, and for a household item one per household). A pure rule: the command says what it found.
 */
export interface CodedTask {
  code: string;
  itemCode: string;
  householdId: number | null;
  state: 'open' | 'waived';
  year: number;
}

export type WaiveTarget<T extends CodedTask> =
  /** The one task to change. */
  | { kind: 'one'; task: T }
  /** No task of the unit has that code (in that year, when one was given). */
  | { kind: 'none' }
  /** An item code every household has its own task for (H03): the full code is needed (H03-12). */
  | { kind: 'household_item'; example: string }
  /** It is already in the wanted state (免交 of a waived task, 恢复 of an open one). */
  | { kind: 'already'; task: T }
  /** Tasks of several years could be meant: the command must name the year. */
  | { kind: 'years'; years: number[] };

/**
 * `want`: the state the command moves a task to. Without a year, the newest year whose task can
 * still change is taken only when it is the one year that can; a year the task is already in the
 * wanted state is not a choice.
 */
export function waiveTarget<T extends CodedTask>(
  found: readonly T[],
  code: string,
  want: 'waived' | 'open',
  year?: number,
): WaiveTarget<T> {
  const inYear = found.filter((t) => year === undefined || t.year === year);
  const exact = inYear.filter((t) => t.code === code);
  if (exact.length === 0) {
    const households = inYear.filter((t) => t.householdId !== null && t.itemCode === code);
    return households.length > 0
      ? { kind: 'household_item', example: households[0]!.code }
      : { kind: 'none' };
  }
  const movable = exact.filter((t) => t.state !== want);
  if (movable.length === 0) return { kind: 'already', task: exact[0]! };
  const years = [...new Set(movable.map((t) => t.year))].sort((a, b) => b - a);
  if (years.length > 1) return { kind: 'years', years };
  return { kind: 'one', task: movable[0]! };
}
