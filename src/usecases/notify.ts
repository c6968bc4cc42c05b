import { NOTIFY_JOB, type JobPayload } from '../domain/job-types.js';
import type { Db, Tx } from '../db/client.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { enqueueJob } from '../db/repos/jobs.js';
import type { ReceiveIdType } from '../ports/chat-gateway.js';
import type { BotDeps } from './deps.js';

export type NotifyPayload = JobPayload<typeof NOTIFY_JOB> & { receiveIdType: ReceiveIdType };

/**
 * Enqueues a notification in the caller's transaction, so a decision and its message are one
 * fact: a crash after the commit still sends, a retried request sends once (the uuid is the key).
 */
export async function enqueueNotify(tx: Db | Tx, p: NotifyPayload, now: Date, runAt = now): Promise<void> {
  await enqueueJob(tx, { type: NOTIFY_JOB, key: p.uuid, payload: p, runAt }, now);
}

export const textContent = (text: string) => JSON.stringify({ text });

/**
 * The job handler: sends it (Lark dedupes a retry by uuid). One sent into a chat is recorded in
 * bot_messages (purpose `notify`): a 督办 whose answer was lost looks in that chat's history for the
 * bot's unrecorded cards (find-earlier-post.ts), and took a unit's detail card tapped for there as
 * the 督办 — the officers never got it.
 */
export async function deliverNotify(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'clock'>,
  p: NotifyPayload,
): Promise<void> {
  const { messageId } = await deps.gateway.sendMessage({
    receiveIdType: p.receiveIdType,
    receiveId: p.receiveId,
    message: { msgType: p.msgType, content: p.content },
    uuid: p.uuid,
  });
  if (p.receiveIdType === 'chat_id')
    await recordBotMessage(
      deps.db,
      { messageId, chatId: p.receiveId, purpose: 'notify', taskIds: [] },
      deps.clock.now(),
    );
}
