import type { JobPayload, RECALL_NOTICE_JOB } from '../domain/job-types.js';
import type { ChatGateway } from '../ports/chat-gateway.js';

/**
 * Says under the burst's card that its recalled files are not filed (recall-message.ts decides it and
 * the words). Sent once: the job is keyed by the recall and the send carries a uuid.
 */
export async function sendRecallNotice(
  gateway: ChatGateway,
  p: JobPayload<typeof RECALL_NOTICE_JOB>,
): Promise<void> {
  const message = { msgType: 'text' as const, content: JSON.stringify({ text: p.text }) };
  if (p.replyTo) await gateway.reply({ messageId: p.replyTo, message, uuid: p.uuid });
  else await gateway.sendMessage({ receiveIdType: 'chat_id', receiveId: p.chatId, message, uuid: p.uuid });
}
