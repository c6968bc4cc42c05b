import { burstReplyClaimed } from '../db/repos/bursts.js';
import type { BotDeps } from './deps.js';
import { replyText } from './reply-text.js';

// 发过来, not 发到本群: the forward may have come in a direct chat with the bot.
const FORWARD_UNREAD =
  '这条合并转发的消息没能读取，里面的照片和文件没有保存。请把原文件直接发过来，再选择交到哪项任务。';

/**
 * A merged forward whose contents Lark never gave (its `expand-forward` job gave up, or died with its
 * process on the last attempt). Its burst's card said 「合并转发的消息还在读取中，其中的文件读取后自动
 * 保存」, and then nothing more was ever said: the officer waited for files that would never come. One
 * short reply under the forward says so. A burst whose reply is not claimed yet needs none: its card,
 * drawn later, finds nothing saved and says what to send.
 */
export async function noticeForwardUnread(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'metrics'>,
  job: { messageId: string; burstId: number },
): Promise<void> {
  if (!(await burstReplyClaimed(deps.db, job.burstId))) return;
  await replyText(deps.gateway, job.messageId, FORWARD_UNREAD, `fwd-unread-${job.messageId}`.slice(0, 50));
  deps.metrics.inc('forwards_unread_total', {}, 1, 'Merged forwards whose contents Lark never gave');
}
