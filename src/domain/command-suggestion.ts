/**
 * The command word a mistyped first word most likely meant (「未規档」 → 未归档, 「进渡」 → 进度, 「hepl」 →
 * help): one character added, dropped, changed, or two neighbours swapped. Only words of two characters or
 * more, and of four or more in Latin letters (「hi」 is not a mistyped 「?」), and only when every word that
 * close belongs to one command: a guess between two commands is no help.
 */
export function suggestedCommandWord(
  text: string,
  commands: readonly { name: string; words: readonly string[] }[],
): string | undefined {
  const first = text.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? '';
  if ([...first].length < 2) return undefined;
  const near = commands.flatMap((c) =>
    c.words
      .filter((w) => [...w].length >= (/^[\x20-\x7e]+$/.test(w) ? 4 : 2))
      .filter((w) => w.toLowerCase() !== first && editDistance(first, w.toLowerCase()) <= 1)
      .map((w) => ({ name: c.name, word: w })),
  );
  const names = new Set(near.map((n) => n.name));
  return names.size === 1 ? near[0]!.word : undefined;
}

/** Optimal string alignment distance over code points (a swap of two neighbours counts one). */
function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > 1) return 2;
  const d = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++)
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[x.length]![y.length]!;
}
