/**
 * The units not inside another of them, by path: a county leader who is also a township's archivist
 * works for the county (its 进度 covers the township); two townships side by side stay two.
 */
export function outermostUnits<U extends { path: string }>(units: readonly U[]): U[] {
  const kept: U[] = [];
  // A unit's path begins with its parent's, so it sorts after it.
  for (const u of [...units].sort((a, b) => a.path.localeCompare(b.path)))
    if (!kept.some((k) => u.path.startsWith(k.path))) kept.push(u);
  return kept;
}
