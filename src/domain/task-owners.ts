/**
 * Who answers for a task now. A task names its owners when it is made (`responsible`: the village's
 * officers then); people leave (`units people remove`, a role taken away) and others come. Reminders
 * @mention, and digests and escalations name, those named who still hold a role at the task's unit (or
 * above it); when none does, the unit's officers now. Never someone who has gone.
 */
export function currentOwners(
  named: readonly string[],
  holdsRole: (openId: string) => boolean,
  officersNow: readonly string[],
): string[] {
  const still = named.filter(holdsRole);
  return still.length > 0 ? still : [...officersNow];
}
