/** A task as the filing card's search sees it. */
export interface SearchableTask {
  code: string;
  title: string;
  keywords: readonly string[];
  householdName?: string | null;
  householdCode?: string | null;
}

const norm = (s: string): string =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');

/**
 * The tasks a typed search names: every word (split on spaces) must occur in the task's code, title,
 * keywords, household head's name or household code (`张三`, `H03`, `12`, `危房 张三`). Order is kept.
 */
export function matchTasks<T extends SearchableTask>(query: string, tasks: readonly T[]): T[] {
  const words = query
    .normalize('NFKC')
    .split(/[\s,，、]+/)
    .map(norm)
    .filter(Boolean);
  if (words.length === 0) return [];
  return tasks.filter((t) => {
    const text = norm(
      [
        t.code,
        t.title,
        ...t.keywords,
        t.householdName ?? '',
        t.householdName ? `${t.householdName}户` : '',
      ].join(' '),
    );
    const code = t.householdCode ? norm(t.householdCode) : undefined;
    return words.every((w) => text.includes(w) || w === code);
  });
}

/**
 * Household heads named in a text (the caption and what the sender wrote around the burst), longest
 * names first so 张三丰 is not also read as 张三. Names of one character are too ambiguous to count.
 */
export function householdsNamedIn<H extends { name: string }>(
  text: string | null,
  households: readonly H[],
): H[] {
  if (!text) return [];
  const names = [...new Set(households.map((h) => norm(h.name)))]
    .filter((n) => [...n].length >= 2)
    .sort((a, b) => [...b].length - [...a].length);
  let rest = norm(text);
  const found = new Set<string>();
  for (const n of names) {
    if (!rest.includes(n)) continue;
    found.add(n);
    rest = rest.split(n).join('\u0000');
  }
  // Two households may share a head's name: both are offered.
  return households.filter((h) => found.has(norm(h.name)));
}
