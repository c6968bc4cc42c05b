/** How long a task button's label may be: a phone shows about this many characters on a full-width button. */
export const TASK_LABEL_CHARS = 18;

/**
 * A task as a button label that fits a phone: 「张三户·危房改造前后照片」. Parenthesised detail is
 * dropped (「户口本、身份证复印件（残疾证、低保证等）」 → 「户口本、身份证复印件」) and what is still
 * too long ends in 「…」.
 */
export function shortTaskLabel(t: { title: string; householdName?: string | null }, suffix = ''): string {
  const title = t.title.replace(/\s*[（(][^（()）]*[)）]\s*/g, '').trim() || t.title;
  const full = t.householdName ? `${t.householdName}户·${title}` : title;
  const chars = [...full];
  const room = TASK_LABEL_CHARS - [...suffix].length;
  return (chars.length <= room ? full : `${chars.slice(0, room - 1).join('')}…`) + suffix;
}

/**
 * Labels for a list of tasks: the short label, with the task code added where two tasks of the list
 * would read the same (titles cut at the same place, two households' tasks), and the campaign's year
 * instead where the code is the same too (last year's and this year's task: codes repeat every year).
 */
export function shortTaskLabels<
  T extends { code: string; title: string; householdName?: string | null; campaignYear?: number },
>(tasks: readonly T[]): string[] {
  const count = (labels: string[]) => {
    const seen = new Map<string, number>();
    for (const l of labels) seen.set(l, (seen.get(l) ?? 0) + 1);
    return seen;
  };
  const plain = tasks.map((t) => shortTaskLabel(t));
  const plainSeen = count(plain);
  const coded = plain.map((l, i) =>
    plainSeen.get(l)! > 1 ? shortTaskLabel(tasks[i]!, ` ${tasks[i]!.code}`) : l,
  );
  const codedSeen = count(coded);
  return coded.map((l, i) => {
    const t = tasks[i]!;
    return codedSeen.get(l)! > 1 && t.campaignYear !== undefined
      ? shortTaskLabel(t, ` ${t.campaignYear}年`)
      : l;
  });
}
