import { forwardEntries } from '../domain/forward-tree.js';
import { insertMaterialsWithDownloads } from '../db/repos/materials.js';
import { insertMessage } from '../db/repos/messages.js';
import type { BotDeps } from './deps.js';

export interface ExpandForwardJob {
  messageId: string;
  chatId: string;
  senderOpenId: string;
  burstId: number;
}

/**
 * A merged forward carries no resources itself: fetch its children (GET /im/v1/messages/:id, the
 * forward plus every descendant), rebuild the tree, and record one material per child resource
 * with its original sender and time, downloaded with the forward's id first, then the child's.
 */
export async function expandForward(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'clock' | 'metrics'>,
  job: ExpandForwardJob,
): Promise<number> {
  const items = await deps.gateway.getMessage(job.messageId);
  const entries = forwardEntries(job.messageId, items);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    let count = 0;
    for (const e of entries) {
      const senderOpenId = e.senderIdType === 'open_id' ? e.senderId : undefined;
      await insertMessage(
        tx,
        {
          messageId: e.messageId,
          chatId: job.chatId,
          chatType: 'forwarded',
          senderOpenId,
          msgType: e.msgType,
          sentAt: e.sentAt,
          text: e.caption,
          forwardRootId: job.messageId,
          upperMessageId: e.upperMessageId,
          disposition: e.resources.length > 0 || e.caption ? 'captured' : 'ignored',
        },
        now,
      );
      const ids = await insertMaterialsWithDownloads(
        tx,
        e.resources.map((r) => ({
          messageId: e.messageId,
          resourceKey: r.resourceKey,
          resourceType: r.resourceType,
          downloadMessageId: e.downloadMessageIds[0],
          chatId: job.chatId,
          senderOpenId,
          sentAt: e.sentAt,
          kind: r.kind,
          role: r.role,
          originalName: r.originalName,
          declaredMime: r.declaredMime,
          durationMs: r.durationMs,
          caption: e.caption,
          parentId: e.upperMessageId,
          forwardRootId: job.messageId,
          burstId: job.burstId,
        })),
        now,
      );
      count += ids.length;
    }
    deps.metrics.inc('materials_captured_total', { via: 'forward' }, count);
    return count;
  });
}
