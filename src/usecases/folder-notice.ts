import type { FOLDER_NOTICE_JOB, JobPayload } from '../domain/job-types.js';
import type { ChatGateway } from '../ports/chat-gateway.js';

/** What a folder's sender is told: nothing in it was kept, and how to send its files instead. */
export const folderNotKept = (direct: boolean): string =>
  `文件夹我打不开，里面的文件没有保存。请打开文件夹，选中里面的照片或文件，${
    direct ? '直接发到本村（本单位）的工作群' : '直接发到群里'
  }。`;

/**
 * Replies under a folder sent in a chat: Lark gives a bot no way to download a folder, so none of
 * its files is kept, and without a word the sender would take them as handed in. Sent once (the job
 * is keyed by the message, the send carries a uuid); a recall of the folder drops the queued job.
 */
export async function noticeFolder(
  gateway: ChatGateway,
  p: JobPayload<typeof FOLDER_NOTICE_JOB>,
): Promise<void> {
  await gateway.reply({
    messageId: p.messageId,
    message: { msgType: 'text', content: JSON.stringify({ text: folderNotKept(p.direct) }) },
    uuid: `folder-${p.messageId}`.slice(0, 50),
  });
}
