import { DIED_ON_LAST_ATTEMPT, escalationOf, HISTORY_UNREADABLE } from '../db/repos/schedule-sends.js';
import { undeliveredUrge } from '../db/repos/urge-undelivered.js';
import type { BotDeps } from './deps.js';
import { escalationAsOfDay } from './urge-card-action.js';
import { enqueueNotify, textContent } from './notify.js';

/**
 * A 督办 closed undelivered (Lark refused it, every attempt failed, or a lost post could not be
 * confirmed): the person who pressed it is told in their chat with the bot. Pressed on an escalation
 * card, nothing else ever said so — the card read 已督办 and no page was there to show 「督办未送达」.
 * A press comes back here only after its audit row is written (urge-now.ts writes it right after
 * claiming); one failing faster than that is told on the unit page alone.
 */
export async function tellUrgeUndelivered(
  deps: Pick<BotDeps, 'db' | 'clock' | 'gateway' | 'logger'>,
  sendId: number,
): Promise<boolean> {
  const u = await undeliveredUrge(deps.db, sendId);
  if (!u) return false;
  // Pressed on an escalation card, which shows 「已督办」 disabled: its button pressable again.
  const escalation = u.cardMessageId ? await escalationOf(deps.db, u.pressedBy, u.cardMessageId) : undefined;
  if (escalation)
    await deps.gateway
      .patchCard({
        messageId: u.cardMessageId!,
        card: await escalationAsOfDay(deps.db, JSON.parse(escalation.content) as object, u.day),
      })
      .catch((err: unknown) =>
        deps.logger.warn({ err, sendId }, 'the escalation card of an undelivered 督办 was not redrawn'),
      );
  const chat = u.chatName ? `「${u.chatName}」` : '';
  const text = u.lastError.startsWith(DIED_ON_LAST_ATTEMPT)
    ? `督办可能没有送到${u.unitName}的群${chat}：发送时机器人停了，无法确认。请到群里看一看，没有的话再按一次督办。`
    : u.lastError.startsWith(HISTORY_UNREADABLE)
      ? `督办可能没有送到${u.unitName}的群${chat}：发送时网络中断，机器人又看不到群里的消息，无法确认。` +
        '请到群里看一看，没有的话再按一次督办。'
      : u.lastError.startsWith('gave up')
        ? `督办没有送到${u.unitName}的群${chat}：网络一直不通。请稍后再按一次督办。`
        : `督办没有送到${u.unitName}的群${chat}：飞书没有接收这条消息。请再按一次督办；还是送不到，请联系管理员。`;
  await enqueueNotify(
    deps.db,
    {
      receiveIdType: 'open_id',
      receiveId: u.pressedBy,
      msgType: 'text',
      content: textContent(text),
      uuid: `urge-lost-${sendId}-${u.pressedAt.getTime()}`,
    },
    deps.clock.now(),
  );
  return true;
}
