/**
 * What a 督办 is claimed under in `scheduled_sends` (kind `urge`, per chat): the village's overdue
 * tasks under the local day (`2026-12-07`), one task under the day and the task (`2026-12-07:t42`). So
 * a leader who urged #C03 in the morning can still urge #C07 in the afternoon, while the same 督办
 * twice a day is claimed once. A village-wide 督办 names every overdue task, so a task's 督办 after it
 * the same day is refused as already sent; and however many tasks are urged, a chat gets at most
 * URGES_PER_CHAT_A_DAY 督办 a day (an officer's chat is not flooded).
 */
export const URGES_PER_CHAT_A_DAY = 3;

export function urgePeriod(day: string, taskId?: number): string {
  return taskId === undefined ? day : `${day}:t${taskId}`;
}
