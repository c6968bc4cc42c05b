import { taskCard, waivedTaskCard } from '../cards/unit-cards.js';
import { taskProgress } from '../db/repos/completeness.js';
import { taskCardsOf } from '../db/repos/task-cards.js';
import { getTaskContext, waivedReasonOf } from '../db/repos/tasks.js';
import { editableSince } from '../domain/card-editable.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BotDeps } from './deps.js';
import { unitsCalled } from './unit-naming.js';

/**
 * The 「任务 C03」 cards of a task (the `task-cards` job, after 免交 / 恢复任务): each drawn as the task is
 * now, waived (waivedTaskCard: no 「回复本卡片…」, a reply no longer files to it) or open again (taskCard,
 * its progress and due date). A card Lark no longer lets the bot change is left; a Lark failure for a
 * moment is retried by the job.
 */
export async function drawTaskCardsNow(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'clock'>,
  taskId: number,
  log: Logger,
  o: { timeZone: string },
): Promise<void> {
  const since = editableSince(deps.clock.now());
  const messages = await taskCardsOf(deps.db, taskId, since);
  if (messages.length === 0) return;
  const [task, status, waived] = await Promise.all([
    getTaskContext(deps.db, taskId),
    taskProgress(deps.db, taskId),
    waivedReasonOf(deps.db, taskId),
  ]);
  if (!task || !status) return;
  // Named as when it was sent (task-card-send.ts): 城关镇东村 when another active unit is called 东村.
  const unitName = (await unitsCalled(deps.db, [{ id: task.unitId, name: task.unitName }]))({
    id: task.unitId,
    name: task.unitName,
  });
  const card =
    waived !== undefined ? waivedTaskCard(task, unitName, waived) : taskCard(status, unitName, o.timeZone);
  for (const messageId of messages) {
    try {
      await deps.gateway.patchCard({ messageId, card });
    } catch (err) {
      if (!(err instanceof LarkApiError) || err.isRetryable) throw err;
      log.warn({ taskId, messageId, larkCode: err.larkCode }, 'task card could not be patched');
    }
  }
}
