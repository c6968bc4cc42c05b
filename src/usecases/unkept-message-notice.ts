import type { UNKEPT_NOTICE_JOB, JobPayload } from '../domain/job-types.js';
import { unkeptNotice } from '../domain/unkept-message.js';
import type { ChatGateway } from '../ports/chat-gateway.js';

/**
 * Replies under a message the bot cannot keep (domain/unkept-message.ts: a folder, a forwarded card,
 * another kind sent to the bot directly): without a word its sender would take it as handed in. Sent
 * once (the job is keyed by the message, the send carries a uuid); a recall drops the queued job.
 */
export async function noticeUnkeptMessage(
  gateway: ChatGateway,
  p: JobPayload<typeof UNKEPT_NOTICE_JOB>,
): Promise<void> {
  await gateway.reply({
    messageId: p.messageId,
    message: {
      msgType: 'text',
      content: JSON.stringify({ text: unkeptNotice(p.kind ?? 'folder', p.direct) }),
    },
    // The folder's key of earlier versions, so a job queued before an upgrade is not sent twice.
    uuid: `${p.kind && p.kind !== 'folder' ? p.kind : 'folder'}-${p.messageId}`.slice(0, 50),
  });
}
