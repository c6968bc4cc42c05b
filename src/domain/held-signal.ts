/**
 * A yes/no signal that comes and goes (the database refusing connections while other instances hold
 * them), read once a round: it counts as on only once it was seen in rounds spanning `raiseMs` with no
 * gap of `clearMs` between sightings, and counts as off again only after `clearMs` without one.
 * Read as it was, such a signal raised an alert one round and 恢复正常 the next, over and over. Pure.
 */
export function heldSignal(o: { raiseMs: number; clearMs: number }) {
  let since: number | undefined;
  let lastSeen: number | undefined;
  let lastRound: Date | undefined;
  let on = false;
  /** `seen(previous round)`: whether the signal was seen since then (or ever, on the first round). */
  return (now: Date, seen: (previousRound: Date | undefined) => boolean): boolean => {
    const t = now.getTime();
    const sighted = seen(lastRound);
    lastRound = now;
    // A sighting after a long gap (no round came in between to end the episode) starts a new one.
    if (lastSeen !== undefined && t - lastSeen >= o.clearMs) {
      since = undefined;
      lastSeen = undefined;
      on = false;
    }
    if (sighted) {
      since ??= t;
      lastSeen = t;
      if (t - since >= o.raiseMs) on = true;
    }
    return on;
  };
}
