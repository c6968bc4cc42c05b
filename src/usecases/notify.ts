import { NOTIFY_JOB, type JobPayload } from '../domain/job-types.js';
import type { Db, Tx } from '../db/client.js';
import { enqueueJob } from '../db/repos/jobs.js';
import type { ChatGateway, ReceiveIdType } from '../ports/chat-gateway.js';

export type NotifyPayload = JobPayload<typeof NOTIFY_JOB> & { receiveIdType: ReceiveIdType };

/**
 * Enqueues a notification in the caller's transaction, so a decision and its message are one
 * fact: a crash after the commit still sends, a retried request sends once (the uuid is the key).
 */
export async function enqueueNotify(tx: Db | Tx, p: NotifyPayload, now: Date): Promise<void> {
  await enqueueJob(tx, { type: NOTIFY_JOB, key: p.uuid, payload: p, runAt: now }, now);
}

export const textContent = (text: string) => JSON.stringify({ text });

/** The job handler: sends it (Lark dedupes a retry by uuid). */
export async function deliverNotify(gateway: ChatGateway, p: NotifyPayload): Promise<void> {
  await gateway.sendMessage({
    receiveIdType: p.receiveIdType,
    receiveId: p.receiveId,
    message: { msgType: p.msgType, content: p.content },
    uuid: p.uuid,
  });
}
