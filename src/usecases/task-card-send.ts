import { taskCard } from '../cards/unit-cards.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import type { TaskStatus } from '../db/repos/completeness.js';
import type { UnitRow } from '../db/repos/units.js';
import type { BotDeps } from './deps.js';
import { replyCard } from './reply-text.js';
import { unitCalled } from './unit-naming.js';

/**
 * One task's card (「#C03 …」), as a reply in `chatId`, recorded as `task_card`: a reply to it with photos
 * or files is handed in to that task (present-burst.ts), and 免交 redraws it (task-cards.ts). `key`
 * makes a send Lark already took not post twice.
 */
export async function sendTaskCard(
  deps: BotDeps,
  to: { replyTo: string; chatId: string; key: string },
  unit: UnitRow,
  t: TaskStatus & { guidance?: string | null },
  timeZone: string,
): Promise<void> {
  // 单位：城关镇东村 when another active unit is called 东村 (unitCalled).
  const { shown } = await unitCalled(deps.db, unit);
  const id = await replyCard(deps.gateway, to.replyTo, taskCard(t, shown, timeZone), to.key);
  await recordBotMessage(
    deps.db,
    { messageId: id, chatId: to.chatId, purpose: 'task_card', unitId: unit.id, taskIds: [t.taskId] },
    deps.clock.now(),
  );
}
