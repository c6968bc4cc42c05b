import { TASK_PICK } from '../cards/actions.js';
import { findBotMessage, unsentCardId, type BotMessage } from '../db/repos/bot-messages.js';
import { fileableTasksOfUnit } from '../db/repos/completeness.js';
import { getUnitById } from '../db/repos/units.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { sendTaskCard } from './task-card-send.js';

/** The send key of 任务's list answering a command message: the list is recorded under it first. */
export const taskListKey = (commandMessageId: string): string => `tasks-${commandMessageId}`;

/**
 * The list a tap came from: recorded under its message id once Lark answered the send, or still under
 * its send's key (unit-commands.ts records it before sending), which the menu's value names — only in
 * the chat it was sent to, so a copy forwarded elsewhere, or a value naming another chat's list, finds
 * nothing.
 */
async function listOfTap(
  deps: BotDeps,
  a: { messageId?: string; chatId?: string; value: { m?: string | undefined } },
): Promise<BotMessage | undefined> {
  if (!a.messageId) return undefined;
  const sent = await findBotMessage(deps.db, a.messageId);
  if (sent || !a.value.m || a.chatId === undefined) return sent;
  const unsent = await findBotMessage(deps.db, unsentCardId(taskListKey(a.value.m)));
  return unsent?.chatId === a.chatId ? unsent : undefined;
}

/**
 * The menu of 任务's list: the chosen task's card sent under the list, as 「任务 C03」 sends it. Taken
 * only on the list the bot sent in this chat (a copy forwarded elsewhere is another message), for a task
 * that list showed; a task handed in or waived since is said so, not sent.
 */
export function taskPickAction(o: { timeZone: string }): DeclaredCardAction {
  return cardAction({
    type: TASK_PICK,
    handle: async (deps, a): Promise<CardResponse> => {
      const refused = (content: string): CardResponse => ({ toast: { type: 'error', content } });
      const list = await listOfTap(deps, a);
      const taskId = Number(a.option);
      if (
        !list ||
        list.purpose !== 'task_list' ||
        list.unitId !== a.value.u ||
        (a.chatId !== undefined && list.chatId !== a.chatId) ||
        !list.taskIds.includes(taskId)
      )
        return refused(TASK_PICK.stale);
      const unit = await getUnitById(deps.db, a.value.u);
      if (!unit) return refused(TASK_PICK.stale);
      const t = (await fileableTasksOfUnit(deps.db, unit.id)).find((x) => x.taskId === taskId);
      if (!t) return { toast: { type: 'info', content: '这项任务已交齐或免交，请重新发送「任务」查看' } };
      if (t.state === 'complete') return { toast: { type: 'info', content: `#${t.code} 已交齐，不用再交` } };
      await sendTaskCard(
        deps,
        {
          replyTo: a.messageId!,
          chatId: list.chatId!,
          key: `pick-${a.callbackId ?? `${a.messageId}-${taskId}`}`,
        },
        unit,
        t,
        o.timeZone,
      );
      return { toast: { type: 'success', content: `已发出 #${t.code} 的任务卡片：回复它发送材料` } };
    },
  });
}
