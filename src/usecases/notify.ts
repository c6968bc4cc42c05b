import type { Db, Tx } from '../db/client.js';
import { enqueueJob } from '../db/repos/jobs.js';
import type { ChatGateway, ReceiveIdType } from '../ports/chat-gateway.js';

/** Job kind: one message to one person or chat, sent after the transaction that decided it. */
export const NOTIFY_JOB = 'notify';

export interface NotifyPayload {
  receiveIdType: ReceiveIdType;
  receiveId: string;
  msgType: 'text' | 'interactive';
  /** Lark's `content` JSON string. */
  content: string;
  /** Lark's idempotency key (≤ 50 chars); also the job key. */
  uuid: string;
}

/**
 * Enqueues a notification in the caller's transaction, so a decision and its message are one
 * fact: a crash after the commit still sends, a retried request sends once (the uuid is the key).
 */
export async function enqueueNotify(tx: Db | Tx, p: NotifyPayload, now: Date): Promise<void> {
  await enqueueJob(tx, { kind: NOTIFY_JOB, key: p.uuid, payload: p, runAt: now }, now);
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
